# Checks the Homebrew cask that `make dist` wrote (dist/homebrew/Casks/aztoken.rb)
# without Homebrew: it is evaluated against a small stand-in for the cask
# DSL, once per platform Homebrew installs on, and what it declares is held
# against the release:
#   - every url names an archive of this release, with that archive's SHA-256;
#   - the archive holds every binary, man page and completion it links;
#   - its man pages are every page of docs/man;
#   - the binaries it links on this machine's platform run `aztoken version`
#     and print the release's version. A cask has no test block (a formula
#     had one); this is what it would have run.
#
#   ruby .ci/packaging/cask.rb dist/homebrew/Casks/aztoken.rb DIST_DIR VERSION
require "digest"
require "tmpdir"
require "open3"

# What the cask declares for one OS and CPU; any stanza not listed here
# fails the check, so that a new stanza is looked at rather than ignored.
class CaskStandIn
  attr_reader :declared

  def initialize(os, cpu)
    @os = os
    @cpu = cpu
    @declared = Hash.new { |h, k| h[k] = [] }
  end

  def on_macos = (yield if @os == :macos)
  def on_linux = (yield if @os == :linux)
  def on_intel = (yield if @cpu == :intel)
  def on_arm = (yield if @cpu == :arm)

  # version with no argument is the version, as url strings use it.
  def version(value = nil)
    return @declared[:version].last if value.nil?

    @declared[:version] << value
  end

  %i[url sha256 name desc homepage binary manpage
     bash_completion zsh_completion fish_completion].each do |stanza|
    define_method(stanza) { |value, **| @declared[stanza] << value }
  end

  # Run by Homebrew, not here: their contents are Homebrew's API.
  %i[livecheck preflight postflight uninstall_preflight uninstall_postflight].each do |stanza|
    define_method(stanza) { |*, &_block| @declared[stanza] << :block }
  end

  def method_missing(stanza, *)
    raise NoMethodError, "the cask uses #{stanza}, which .ci/packaging/cask.rb does not know: add it there"
  end

  def respond_to_missing?(*) = false
end

def cask(name, &block)
  $cask = [name, block]
end

path, dist, release = ARGV
load path
name, block = $cask
errors = []
errors << "the cask is named #{name}, not aztoken" unless name == "aztoken"

sums = {}
Dir[File.join(dist, "*_checksums.txt")].each do |f|
  File.readlines(f).each { |l| d, file = l.split; sums[file] = d }
end

pages = Dir["docs/man/*.1"].sort
here_os = RbConfig::CONFIG["host_os"].include?("darwin") ? :macos : :linux
here_cpu = RbConfig::CONFIG["host_cpu"] =~ /arm|aarch64/ ? :arm : :intel
ran = false

[[:macos, :intel], [:macos, :arm], [:linux, :intel], [:linux, :arm]].each do |os, cpu|
  c = CaskStandIn.new(os, cpu)
  c.instance_eval(&block)
  d = c.declared
  where = "cask on #{os}/#{cpu}"
  errors << "#{where}: version #{d[:version].inspect}, not #{release}" unless d[:version] == [release]
  unless d[:url].size == 1 && d[:sha256].size == 1
    errors << "#{where}: #{d[:url].size} urls and #{d[:sha256].size} sha256 stanzas, not one each"
    next
  end
  archive = d[:url][0].split("/").last
  unless sums.key?(archive)
    errors << "#{where}: #{d[:url][0]} names no archive of this release"
    next
  end
  errors << "#{where}: sha256 of #{archive} is #{sums[archive]}, the cask says #{d[:sha256][0]}" unless d[:sha256][0] == sums[archive]
  errors << "#{where}: links #{d[:binary].sort}, not aztoken and docker-credential-aztoken" unless d[:binary].sort == %w[aztoken docker-credential-aztoken]
  errors << "#{where}: its man pages are not every page of docs/man (missing #{pages - d[:manpage]}, extra #{d[:manpage] - pages}): list them in homebrew_casks.manpages, .goreleaser.yaml" unless d[:manpage].sort == pages
  completions = d[:bash_completion] + d[:zsh_completion] + d[:fish_completion]
  errors << "#{where}: a completion for bash, zsh and fish each, not #{completions}" unless completions.size == 3

  Dir.mktmpdir("aztoken-cask") do |staged|
    system("tar", "-xzf", File.join(dist, archive), "-C", staged, exception: true)
    (d[:binary] + d[:manpage] + completions).each do |f|
      errors << "#{where}: #{archive} has no #{f}" unless File.exist?(File.join(staged, f))
    end
    next unless os == here_os && cpu == here_cpu

    d[:binary].each do |bin|
      next unless File.exist?(File.join(staged, bin))

      out, st = Open3.capture2e(File.join(staged, bin), "version")
      ok = st.success? && (out.start_with?("aztoken v#{release} ") || out.start_with?("aztoken #{release} "))
      errors << "#{where}: `#{bin} version` printed #{out.inspect} (exit #{st.exitstatus}), not aztoken #{release}" unless ok
    end
    ran = true
  end
end
errors << "no platform of the cask is this machine's (#{here_os}/#{here_cpu}): nothing was run" unless ran

errors.each { |e| puts "FAIL #{e}" }
exit 1 unless errors.empty?
puts "ok: the cask names this release's archives with their SHA-256, links both binaries, every man page and completion, and its #{here_os}/#{here_cpu} binaries run `aztoken version`"
