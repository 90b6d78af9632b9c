// Package credprovider speaks the command line of the Azure Artifacts
// Credential Provider (CredentialProvider.Microsoft), so that tools that
// run the provider for a feed's credentials (artifacts-keyring through
// ARTIFACTS_KEYRING_CREDENTIALPROVIDER_PATH, ado-npm-auth) can run aztoken
// instead: no .NET, and an Entra token rather than a personal access
// token. It reads the arguments and writes the answer; finding the token
// is the command's job.
//
// The provider's options are PowerArgs-style: one dash (two are taken
// too), names in any case, a long name or a one-letter alias. Its callers
// write booleans two ways, and both are read: artifacts-keyring passes a
// value ("-IsRetry False -NonInteractive True"), ado-npm-auth and people
// a bare switch ("-I -N").
package credprovider

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Request is one call of the provider.
type Request struct {
	URI            string
	IsRetry        bool
	NonInteractive bool
	CanShowDialog  bool
	RedactPassword bool
	Verbosity      string
	OutputFormat   string // "json" (the only one aztoken writes)
	Help           bool
}

// options are the provider's, by lower-case long name, with their aliases
// and whether they are switches.
var options = []struct {
	name, alias string
	boolean     bool
}{
	{"uri", "u", false},
	{"isretry", "i", true},
	{"noninteractive", "n", true},
	{"canshowdialog", "c", true},
	{"redactpassword", "r", true},
	{"verbosity", "v", false},
	{"outputformat", "f", false},
	{"plugin", "p", true},
	{"help", "?", true},
	{"h", "", true}, // as every other aztoken command takes it
}

// Parse reads the provider's arguments.
func Parse(args []string) (Request, error) {
	r := Request{OutputFormat: "humanreadable"}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), ":")
		if !strings.HasPrefix(a, "-") || name == "" {
			return r, fmt.Errorf("unexpected argument %q: the options are -Uri URL, -IsRetry, -NonInteractive, -CanShowDialog, -RedactPassword, -Verbosity LEVEL and -OutputFormat Json", a)
		}
		name = strings.ToLower(name)
		found := false
		for _, o := range options {
			if name != o.name && name != o.alias {
				continue
			}
			found = true
			var v string
			switch {
			case hasValue:
				v = value
			case o.boolean:
				// A following True or False is the switch's value.
				v = "true"
				if i+1 < len(args) {
					if b := strings.ToLower(args[i+1]); b == "true" || b == "false" {
						v = b
						i++
					}
				}
			case i+1 < len(args):
				i++
				v = args[i]
			default:
				return r, fmt.Errorf("-%s needs a value", o.name)
			}
			if err := r.set(o.name, o.boolean, v); err != nil {
				return r, err
			}
		}
		if !found {
			return r, fmt.Errorf("unknown option %q", a)
		}
	}
	if r.URI == "" && !r.Help {
		return r, fmt.Errorf("-Uri is required: the feed's URL")
	}
	return r, nil
}

// set gives the option name (a switch when boolean) the value v.
func (r *Request) set(name string, boolean bool, v string) error {
	b := strings.EqualFold(v, "true")
	if boolean && !b && !strings.EqualFold(v, "false") {
		return fmt.Errorf("-%s takes True or False, not %q", name, v)
	}
	switch name {
	case "uri":
		r.URI = v
	case "isretry":
		r.IsRetry = b
	case "noninteractive":
		r.NonInteractive = b
	case "canshowdialog":
		r.CanShowDialog = b
	case "redactpassword":
		r.RedactPassword = b
	case "verbosity":
		r.Verbosity = v
	case "outputformat":
		r.OutputFormat = strings.ToLower(v)
	case "plugin":
		return fmt.Errorf("-Plugin (NuGet's plugin protocol) is not supported: set VSS_NUGET_EXTERNAL_FEED_ENDPOINTS with 'aztoken exec --for nuget' instead")
	case "help", "h":
		r.Help = b
	}
	return nil
}

// Answer is the provider's JSON answer.
type Answer struct {
	Username string `json:"Username"`
	Password string `json:"Password"`
}

// Write writes the answer as the provider does with -OutputFormat Json:
// one JSON object on stdout, in one write.
func (a Answer) Write(w io.Writer) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
