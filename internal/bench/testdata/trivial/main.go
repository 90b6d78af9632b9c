// Command trivial does nothing: the floor of starting a Go binary, against
// which the benchmarks compare aztoken's own start-up.
package main

func main() {}
