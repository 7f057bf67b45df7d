package rank

import (
	"math"
	"testing"
	"time"
)

func TestRecencyFactor(t *testing.T) {
	now := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		boost float64
		t     time.Time
		want  float64
	}{
		{"today", 0.5, now, 1.5},
		{"one half-life", 0.5, now.Add(-recencyHalfLife), 1.25},
		{"two half-lives", 0.2, now.Add(-2 * recencyHalfLife), 1.05},
		{"future counts as today", 0.5, now.Add(48 * time.Hour), 1.5},
		{"ancient", 0.5, now.AddDate(-30, 0, 0), 1},
		{"off", 0, now, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := recencyFactor(tt.boost, tt.t, now); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("recencyFactor = %v, want %v", got, tt.want)
			}
		})
	}
}
