// Command aztoken gets Microsoft Entra ID access tokens from the Azure
// credential chain. See the README, or run aztoken --help.
package main

import (
	"os"

	"github.com/aztoken/aztoken/internal/cli"
)

func main() { os.Exit(cli.Main()) }
