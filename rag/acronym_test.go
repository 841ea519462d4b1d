package rag

import "testing"

func TestAskedAcronym(t *testing.T) {
	tests := []struct{ q, want string }{
		{"What does NATO stand for?", "NATO"},
		{"What is the AFC short for?", "AFC"},
		{"What does the acronym CSM stand for?", "CSM"},
		{"What did the LMP acronym stand for regarding the Block II launch positions?", "LMP"},
		{"what does vBNS stand for", "vBNS"},
		{"What does Ukraine stand for?", ""}, // a name, not an acronym
		{"What does the UK stand to lose?", ""},
		{"Who is in the coalition of the willing?", ""},
	}
	for _, tt := range tests {
		if got := askedAcronym(tt.q); got != tt.want {
			t.Errorf("askedAcronym(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

func TestSpellOut(t *testing.T) {
	tests := []struct{ text, acronym, long string }{
		{"The American Football Conference (AFC) champion Denver Broncos won.", "AFC", "American Football Conference"},
		{"detailed design began of a Command/Service Module (CSM) for the flights", "CSM", "Command/Service Module"},
		{"The Very high-speed Backbone Network Service (vBNS) came on line in April 1995.", "vBNS", "Very high-speed Backbone Network Service"},
		{"theory ultimately led to quantum electrodynamics (or QED), which fully describes", "QED", "quantum electrodynamics"},
		{"how dependent the ANSF [Afghan National Security Forces] were on our NATO partners", "ANSF", "Afghan National Security Forces"},
		{"the NATO partners met; the North Atlantic Treaty Organization (NATO) agreed", "NATO", "North Atlantic Treaty Organization"},
		{"NATO commanders were concerned (NATO) about it", "NATO", ""},
		{"The coalition is not a challenge to NATO but a complement.", "NATO", ""},
		{"the SNATO (NATO) plan", "NATO", ""},
		{"It was called Operation Bravo (OB) by some and the Old Bridge (OB) by others", "OB", "Operation Bravo"},
		{"the electrodynamics (ED) of it", "ED", ""},
		{"a Command/Service (CS) unit", "CS", "Command/Service"},
	}
	for _, tt := range tests {
		got, ok := spellOut(tt.text, tt.acronym)
		if ok != (tt.long != "") || got.long != tt.long {
			t.Errorf("spellOut(%q, %q) = %q, %v; want %q", tt.text, tt.acronym, got.long, ok, tt.long)
			continue
		}
		if ok && (tt.text[got.start:got.start+len(got.long)] != got.long && tt.text[got.start:got.start+len(tt.acronym)] != tt.acronym) {
			t.Errorf("spellOut(%q): range %d-%d is %q", tt.text, got.start, got.end, tt.text[got.start:got.end])
		}
	}
}
