package rag

import "strings"

// A question asking how far, how high or how long asks for a measure: a
// number of miles, metres or hours, not any number. "How far can the drones
// fly?" is answered by "a range of hundreds of miles", not by "24 Afghan
// helicopters … flew".

var (
	lengthUnits = unitSet("mile miles mi km kms kilometre kilometres kilometer kilometers metre metres meter meters m " +
		"ft foot feet inch inches yard yards yd yds cm mm centimetre centimetres centimeter centimeters millimetre millimetres " +
		"nautical nm league leagues light-year light-years")
	timeUnits = unitSet("second seconds sec secs minute minutes min mins hour hours hr hrs day days night nights week weeks " +
		"fortnight month months year years yr yrs decade decades century centuries millennium millennia")
	speedUnits  = unitSet("mph kph km/h knot knots mach")
	weightUnits = unitSet("kg kgs kilogram kilograms kilogramme kilogrammes g gram grams gramme grammes lb lbs pound pounds " +
		"ounce ounces oz ton tons tonne tonnes")
)

func unitSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// measureCues map a question's phrase to the units its answer counts in;
// each is among numericQuestion's cues.
var measureCues = []struct {
	cue   string
	units []map[string]bool
}{
	{" how far ", []map[string]bool{lengthUnits}},
	{" how high ", []map[string]bool{lengthUnits}},
	{" how tall ", []map[string]bool{lengthUnits}},
	{" how deep ", []map[string]bool{lengthUnits}},
	{" how wide ", []map[string]bool{lengthUnits}},
	{" how long ", []map[string]bool{timeUnits, lengthUnits}},
	{" how fast ", []map[string]bool{speedUnits, lengthUnits, timeUnits}}, // "30 miles an hour"
	{" how heavy ", []map[string]bool{weightUnits}},
}

// unitsAsked returns the unit sets a question asking for a measure counts
// its answer in, or nil when it asks for none.
func unitsAsked(question string) []map[string]bool {
	l := " " + strings.ToLower(strings.Join(strings.FieldsFunc(question, func(r rune) bool {
		return r == ' ' || r == '?' || r == ',' || r == '\t' || r == '\n'
	}), " ")) + " "
	for _, c := range measureCues {
		if strings.Contains(l, c.cue) {
			return c.units
		}
	}
	return nil
}

// maxUnitGap is how many words may stand between a number and its unit
// ("hundreds of miles", "2,000 nautical miles").
const maxUnitGap = 2

// isUnit reports whether word w (as the analyzer's word splitter gives it)
// is a unit of one of sets, or a number with one attached ("500km").
func isUnit(w string, sets []map[string]bool) bool {
	l := strings.ToLower(strings.TrimLeft(w, "0123456789.,"))
	for _, s := range sets {
		if s[l] {
			return true
		}
	}
	return false
}

// holdsMeasure reports whether text holds a number counted in one of the
// unit sets: "hundreds of miles", "500km", "2,000 nautical miles".
func holdsMeasure(text string, units []map[string]bool) bool {
	return len(measures(text, units)) > 0
}

// measures returns the word indexes (as forEachWord counts them) of text's
// numbers that are counted in one of the unit sets: followed by a unit
// within maxUnitGap words, or with one attached ("500km").
func measures(text string, units []map[string]bool) map[int]bool {
	var at map[int]bool
	mark := func(k int) {
		if at == nil {
			at = map[int]bool{}
		}
		at[k] = true
	}
	num, k := -1, 0
	forEachWord(text, func(w string, _, _ int) {
		defer func() { k++ }()
		switch {
		case num >= 0 && k-num <= maxUnitGap+1 && isUnit(w, units):
			mark(num)
			num = -1
		case hasNumber(w) || numberWords[strings.ToLower(w)]:
			if hasNumber(w) && isUnit(w, units) {
				mark(k)
			}
			num = k
		}
	})
	return at
}

// numberCheck returns the test of a sentence window for the number question
// asks for: a measure in its units ("how far"), any number ("how many",
// "when"), or nil when it asks for none.
func numberCheck(question string) func(text string) bool {
	if !numericQuestion(question) {
		return nil
	}
	if units := unitsAsked(question); units != nil {
		return func(text string) bool { return holdsMeasure(text, units) }
	}
	return hasNumber
}
