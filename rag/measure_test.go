package rag

import "testing"

// TestMeasure: a question asking how far, high or long wants a number in
// its units; any other numeric question wants any number.
func TestMeasure(t *testing.T) {
	for _, c := range []struct {
		q, text string
		want    bool
	}{
		{"How far can the drones fly?", "drones with a range of hundreds of miles", true},
		{"How far can the drones fly?", "a range of 1,000km", true},
		{"How far can the drones fly?", "a 2,000-mile flight", true},
		{"How far can the drones fly?", "more than 2,000 nautical miles", true},
		{"How far can the drones fly?", "24 Afghan helicopters carrying almost 600 servicemen flew to Uzbekistan", false},
		{"How far can the drones fly?", "miles from anywhere, 24 helicopters", false}, // the unit before the number
		{"How high is the tower?", "It stands 324 metres tall", true},
		{"How long did the siege last?", "It lasted 11 days", true},
		{"How long did the siege last?", "It cost 300 lives", false},
		{"How long is the river?", "It runs for 6,650 km", true},
		{"How fast can it fly?", "up to 500 mph", true},
		{"How heavy is the warhead?", "It weighs 300 kg", true},
		{"How heavy is the warhead?", "It has 300 parts", false},
		{"How wide is the strait?", "It is 34 km wide", true},
		{"How many drones were launched?", "Ukraine launched 337 drones", true},
		{"When did the Taliban enter Kabul?", "on 15 August 2021", true},
		{"How many drones were launched?", "Ukraine launched drones", false},
	} {
		check := numberCheck(c.q)
		if check == nil {
			t.Fatalf("%q: no number asked for", c.q)
		}
		if got := check(c.text); got != c.want {
			t.Errorf("%q in %q: %v, want %v", c.q, c.text, got, c.want)
		}
	}
	for _, c := range measureCues { // a cue that asked for no number would never be read
		if !numericQuestion("so" + c.cue + "is it?") {
			t.Errorf("measure cue %q is not a numeric question's", c.cue)
		}
	}
	if numberCheck("Who leads the coalition?") != nil {
		t.Error("a question asking for a name asks for a number")
	}
}

// TestMeasureRanksTheAnswer: asked how far, the sentence with the distance
// ranks above one with numbers of something else (the default corpus's
// Kabul article answered "How far can the drones fly?" with helicopters
// that flew to Uzbekistan).
func TestMeasureRanksTheAnswer(t *testing.T) {
	want := "The new drones have a range of hundreds of miles."
	got := rankBy(t, "How far can the drones fly?",
		"On 14 August, 24 drones carrying almost 600 servicemen flew in secret to Uzbekistan.",
		want)
	if got[0] != want {
		t.Errorf("ranked %q first, want %q", got[0], want)
	}
}
