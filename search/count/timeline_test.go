package count

import (
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		name, first, last, interval string
		want                        []string
		wantErr                     bool
	}{
		{"one day", "1987-02-26", "1987-02-26", "day", []string{"1987-02-26"}, false},
		{"days over a month end", "1987-02-27", "1987-03-02", "day", []string{"1987-02-27", "1987-02-28", "1987-03-01", "1987-03-02"}, false},
		{"weeks", "1987-02-23", "1987-03-09", "week", []string{"1987-02-23", "1987-03-02", "1987-03-09"}, false},
		{"months over a year end", "1986-11", "1987-02", "month", []string{"1986-11", "1986-12", "1987-01", "1987-02"}, false},
		{"month 31st never skips", "1987-01", "1987-03", "month", []string{"1987-01", "1987-02", "1987-03"}, false},
		{"years", "1986", "1988", "year", []string{"1986", "1987", "1988"}, false},
		{"reversed", "1988", "1986", "year", nil, true},
		{"bad key", "1987-13", "1988-01", "month", nil, true},
		{"bad interval", "1987", "1987", "decade", nil, true},
		{"too many", "1900-01-01", "2100-01-01", "day", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Keys(tt.first, tt.last, tt.interval)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Keys(%q, %q, %q) error = %v, want error %v", tt.first, tt.last, tt.interval, err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Keys(%q, %q, %q) = %v, want %v", tt.first, tt.last, tt.interval, got, tt.want)
			}
		})
	}
}

func TestShare(t *testing.T) {
	for _, tt := range []struct {
		c, all int
		want   float64
	}{{0, 0, 0}, {3, 0, 0}, {1, 4, 0.25}, {4, 4, 1}} {
		if got := Share(tt.c, tt.all); got != tt.want {
			t.Errorf("Share(%d, %d) = %v, want %v", tt.c, tt.all, got, tt.want)
		}
	}
}
