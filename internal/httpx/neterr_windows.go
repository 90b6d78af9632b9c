package httpx

import (
	"errors"

	"golang.org/x/sys/windows"
)

func wsaRefused(err error) bool { return errors.Is(err, windows.WSAECONNREFUSED) }
