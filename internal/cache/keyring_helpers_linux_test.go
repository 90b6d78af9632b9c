package cache

// testKeyProbe says whether keyctl works here.
func testKeyProbe() error {
	_, _, err := keyringFind("aztoken-test:probe")
	return err
}

func testKeyRemove(desc string) error { return keyringRemove(desc) }
