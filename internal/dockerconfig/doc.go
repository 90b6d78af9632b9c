// Package dockerconfig edits the credHelpers section of docker's
// config.json and nothing else: every other byte of the file stays as it
// was (its order, its spacing, keys aztoken does not know), because the
// file also holds other tools' settings and, in "auths", credentials.
// The command writes the result with safefile.WriteAtomic.
package dockerconfig
