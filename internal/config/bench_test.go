package config

import "testing"

// BenchmarkLoad times one Load with the host's files (what every pier
// command pays once); docs/decisions.md records the number.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}
