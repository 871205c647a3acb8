// Generates ../go-durations.tsv: Go's own time.ParseDuration on the inputs in
// go-durations.in (one per line; \t, \n are never in an input). Each output line is
// `input<TAB>nanoseconds` or `input<TAB>error`.
//
//	cd tests/data/gen && go run go_durations.go < go-durations.in > ../go-durations.tsv
package main

import (
	"bufio"
	"fmt"
	"os"
	"time"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		s := in.Text()
		d, err := time.ParseDuration(s)
		if err != nil {
			fmt.Fprintf(out, "%s\terror\n", s)
		} else {
			fmt.Fprintf(out, "%s\t%d\n", s, int64(d))
		}
	}
}
