# aztoken's image: the static binary and the build machine's CA certificates,
# nothing else. Built by `make image`, which stages both in bin/image (the
# build context) so that no base image is pulled and the build works offline:
#
#   make image                    # IMAGE=aztoken:local
#   docker run --rm aztoken:local version
#
# A release builds it for linux/amd64 and linux/arm64 (.goreleaser.yaml,
# dockers_v2), whose build context holds each platform's binary under its
# TARGETPLATFORM (linux/amd64/aztoken): make image stages the same layout
# and passes TARGETPLATFORM itself, for builders that do not set it.
#
# Its main use is the IMDS relay of docs/containers.md: a container at
# 169.254.169.254 in a compose network that passes requests on to
# `aztoken serve` on the host.
FROM scratch
ARG TARGETPLATFORM
COPY etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY ${TARGETPLATFORM}/aztoken /usr/local/bin/aztoken
# A non-root user that needs no /etc/passwd. Docker lets a container's
# processes bind ports below 1024 without root (it sets
# net.ipv4.ip_unprivileged_port_start=0 in each container), so the relay
# can still listen on port 80.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/aztoken"]
CMD ["--help"]
