package bench

import (
	"cmp"
	"slices"
	"testing"
	"time"
)

// median returns the middle of xs, or the mean of the two middle values
// when there is an even number; zero for none.
func median[T cmp.Ordered](xs []T, mean func(a, b T) T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return mean(s[m-1], s[m])
}

func medianDur(xs []time.Duration) time.Duration {
	return median(xs, func(a, b time.Duration) time.Duration { return a + (b-a)/2 })
}

func medianInt(xs []int64) int64 {
	return median(xs, func(a, b int64) int64 { return a + (b-a)/2 })
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ratio is a/b, or 0 when b is zero.
func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []time.Duration{7}, 7},
		{"odd, unsorted", []time.Duration{9, 1, 5}, 5},
		{"even takes the mean of the middle two", []time.Duration{4, 1, 3, 2}, 2},
		{"an outlier does not move it", []time.Duration{3, 3, 3, 3, 1000 * time.Second}, 3},
		{"duplicates", []time.Duration{2, 2, 9, 9}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.in)
			if got := medianDur(tt.in); got != tt.want {
				t.Errorf("medianDur(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if !slices.Equal(in, tt.in) {
				t.Errorf("medianDur reordered its input: %v became %v", in, tt.in)
			}
		})
	}
	if got := medianInt([]int64{10, 30, 20, 40}); got != 25 {
		t.Errorf("medianInt = %d, want 25", got)
	}
}
