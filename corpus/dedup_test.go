package corpus

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// story is a wire story that the pairs below copy, update or rewrite.
const story = `Ukraine struck an oil refinery in the Russian city of Saratov overnight, the regional governor said on Sunday, the latest in a campaign of long-range drone attacks on Russian energy infrastructure.

Governor Roman Busargin said on Telegram that a fire broke out at an industrial site after the attack and that emergency services were working at the scene. He said there were no casualties.

Russia's defence ministry said its air defences had destroyed 121 Ukrainian drones over several regions during the night, including the Saratov region on the Volga river.

Ukraine's general staff said the refinery, one of the largest in southern Russia, processes about seven million tonnes of crude oil a year and supplies fuel to the Russian army.

Kyiv has stepped up strikes on refineries, oil depots and export terminals in recent months, saying it aims to cut the revenue Moscow uses to finance the war.

Fuel prices in several Russian regions have risen since August and some petrol stations have limited sales, according to local media reports.`

// rewrite is a different story on the same event, by another outlet: it
// shares names, places and a few facts but not the wording.
const rewrite = `A fire raged at the Saratov oil refinery on Sunday after what officials in Moscow described as one of the largest Ukrainian drone raids of the autumn.

Roman Busargin, who governs the region, wrote on Telegram that nobody had been hurt and that firefighters had contained the blaze by the morning.

The plant on the Volga is a major supplier of diesel to Russian forces, according to Ukrainian military intelligence, which claimed responsibility for the raid.

Analysts say the campaign against refineries has taken roughly a sixth of Russian refining capacity offline at its peak, pushing up wholesale petrol prices.

Moscow has responded with heavy missile strikes on Ukraine's power grid, leaving hundreds of thousands of homes without electricity as temperatures fall.`

// followUp is the next day's story, which reuses the first one's
// background paragraphs.
const followUp = `The Saratov refinery halted crude processing on Monday, a day after a Ukrainian drone strike started a fire at its main distillation unit, two industry sources told reporters.

Repairs could take up to a month, one of the sources said, as the unit's equipment had been damaged by the blaze and replacement parts were hard to obtain under Western sanctions.

The refinery's owner declined to comment. Russia's energy ministry said fuel supplies to the domestic market remained stable and that reserves were sufficient.`

// pairs are constructed copies and non-copies of story, with whether they
// are the same story.
var pairs = []struct {
	name string
	text string
	same bool
}{
	{"identical copy", story, true},
	{"syndicated: other outlet's dateline and footer", "SARATOV, Russia (Wire) — " + story + "\n\nReporting by the Kyiv newsroom; editing by the world desk. Follow our live coverage of the war in Ukraine.", true},
	{"syndicated: related links and ads between paragraphs", strings.Replace(strings.Replace(story, "\n\nRussia's defence", "\n\nREAD MORE: Drones hit Moscow airport. Europe weighs new sanctions.\n\nRussia's defence", 1), "\n\nKyiv has", "\n\nAdvertisement\n\nKyiv has", 1), true},
	{"updated: a paragraph added and a figure changed", strings.Replace(story, "121", "127", 1) + "\n\nLater on Sunday the governor said the fire had been put out and that the refinery would resume work within days.", true},
	{"updated: lede rewritten", "A Ukrainian drone attack set fire to an oil refinery in Saratov overnight, the regional governor said on Sunday." + story[strings.Index(story, "\n\n"):], true},
	{"abridged: first half of the story", story[:strings.Index(story, "\n\nUkraine's general staff")], true},
	{"different story, same event", rewrite, false},
	{"different story, shared paragraph", rewrite + "\n\n" + strings.Split(story, "\n\n")[1], false},
	{"follow-up reusing two background paragraphs", followUp + "\n\n" + strings.Join(strings.Split(story, "\n\n")[4:6], "\n\n"), false},
}

// TestDuplicateThreshold measures the MinHash similarity of each
// constructed pair and checks that DefaultDuplicateThreshold separates
// copies from different stories. Run with -v to see the figures.
func TestDuplicateThreshold(t *testing.T) {
	base := newMinHash(story, 40)
	lowestSame, highestDifferent := 1.0, 0.0
	for _, p := range pairs {
		sim := base.similarity(newMinHash(p.text, 40))
		t.Logf("%-55s same=%-5v similarity %.2f (exact Jaccard %.2f)", p.name, p.same, sim, jaccard(story, p.text))
		if p.same {
			lowestSame = min(lowestSame, sim)
			if sim < DefaultDuplicateThreshold {
				t.Errorf("%s: similarity %.2f is below the threshold %.2f", p.name, sim, DefaultDuplicateThreshold)
			}
		} else {
			highestDifferent = max(highestDifferent, sim)
			if sim >= DefaultDuplicateThreshold {
				t.Errorf("%s: similarity %.2f reaches the threshold %.2f", p.name, sim, DefaultDuplicateThreshold)
			}
		}
	}
	t.Logf("copies score %.2f or more, different stories %.2f or less; threshold %.2f", lowestSame, highestDifferent, DefaultDuplicateThreshold)
}

// jaccard is the exact Jaccard similarity of two texts' word 3-shingles,
// to check the MinHash estimate against.
func jaccard(a, b string) float64 {
	set := func(s string) map[string]bool {
		words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r > 127)
		})
		m := map[string]bool{}
		for i := 0; i+shingleWords <= len(words); i++ {
			m[strings.Join(words[i:i+shingleWords], " ")] = true
		}
		return m
	}
	x, y := set(a), set(b)
	inter := 0
	for s := range x {
		if y[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(x)+len(y)-inter)
}

func TestDedup(t *testing.T) {
	day := time.Date(2025, 10, 19, 0, 0, 0, 0, time.UTC)
	arts := []Article{
		{ID: "wire.example/saratov", Title: "Drones hit Saratov refinery", Outlet: "Wire", URL: "https://wire.example/saratov", Published: day, Text: story},
		{ID: "paper.example/world/saratov", Title: "Ukraine hits Saratov refinery", Outlet: "Paper", URL: "https://paper.example/world/saratov", Published: day.Add(2 * time.Hour), Text: pairs[1].text},
		{ID: "other.example/fire", Title: "Fire at Saratov refinery", Outlet: "Other", Text: rewrite},
		// The same URL seen in two feeds: one article.
		{ID: "other.example/fire", Title: "Fire at Saratov refinery", Outlet: "Other", Text: rewrite},
		{ID: "short", Title: "Brief", Text: "Drones hit Saratov."},
		{ID: "short-copy", Title: "Brief", Text: "Drones hit Saratov."},
	}
	got := Dedup(arts, DedupOptions{})
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	// The wire's original, published first, is kept.
	if want := "other.example/fire short short-copy wire.example/saratov"; strings.Join(ids, " ") != want {
		t.Fatalf("kept %v, want %s", ids, want)
	}
	kept := got[3]
	if len(kept.Alternates) != 1 || kept.Alternates[0].ID != "paper.example/world/saratov" || kept.Alternates[0].Outlet != "Paper" || kept.Alternates[0].URL != "https://paper.example/world/saratov" {
		t.Errorf("alternates of the kept copy: %+v", kept.Alternates)
	}
	if len(got[0].Alternates) != 0 {
		t.Errorf("a different story got alternates: %+v", got[0].Alternates)
	}
	if len(arts[0].Alternates) != 0 || len(arts[1].Alternates) != 0 {
		t.Error("Dedup modified its input")
	}

	// Deduplicating again, with only the kept copy left (its alternate was
	// not fetched this time), keeps the alternates it carries.
	again := Dedup([]Article{kept, got[0]}, DedupOptions{})
	if len(again) != 2 || len(again[1].Alternates) != 1 {
		t.Errorf("alternates lost on a second pass: %+v", again)
	}
}

// TestDeduperReusesSignatures checks that a Deduper gives what Dedup gives
// and, called again, hashes only the texts it has not seen.
func TestDeduperReusesSignatures(t *testing.T) {
	arts := syntheticArticles(50)
	d := NewDeduper(DedupOptions{})
	if got, want := d.Dedup(arts), Dedup(arts, DedupOptions{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("first call: %d articles, want the %d Dedup keeps", len(got), len(want))
	}
	if d.hashed != len(arts) {
		t.Fatalf("first call hashed %d texts, want %d", d.hashed, len(arts))
	}

	// The next refresh: one story updated, one new, one gone.
	next := slices.Clone(arts[1:])
	next[0].Text += " An update."
	next = append(next, Article{ID: "new", Text: strings.Repeat("fresh words here ", 20)})
	before := d.hashed
	if got, want := d.Dedup(next), Dedup(next, DedupOptions{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("second call: %d articles, want the %d Dedup keeps", len(got), len(want))
	}
	if n := d.hashed - before; n != 2 {
		t.Errorf("second call hashed %d texts, want 2 (the updated and the new one)", n)
	}
	if len(d.sigs) != len(next) {
		t.Errorf("%d signatures kept, want those of the %d texts of the last call", len(d.sigs), len(next))
	}
}

// syntheticArticles returns n articles of 300 random words from a
// 5,000-word vocabulary, and a syndicated copy of every tenth.
func syntheticArticles(n int) []Article {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%d", i)
	}
	var arts []Article
	for i := range n {
		words := make([]string, 300)
		for k := range words {
			words[k] = vocab[rng.IntN(len(vocab))]
		}
		text := strings.Join(words, " ")
		arts = append(arts, Article{ID: fmt.Sprintf("a%04d", i), Text: text})
		if i%10 == 0 {
			arts = append(arts, Article{ID: fmt.Sprintf("b%04d", i), Text: "By Wire staff. " + text + " Follow us."})
		}
	}
	return arts
}

// BenchmarkDedup1000 deduplicates 1,000 articles of 300 random words
// from a 5,000-word vocabulary, a tenth of them with a syndicated copy.
func BenchmarkDedup1000(b *testing.B) {
	arts := syntheticArticles(1000)
	for b.Loop() {
		if got := len(Dedup(arts, DedupOptions{})); got != 1000 {
			b.Fatalf("kept %d articles, want 1000", got)
		}
	}
}

// BenchmarkDedupAgain1000 deduplicates the same 1,000 articles again with
// one Deduper, as a refresh that finds nothing new does.
func BenchmarkDedupAgain1000(b *testing.B) {
	arts := syntheticArticles(1000)
	d := NewDeduper(DedupOptions{})
	d.Dedup(arts)
	for b.Loop() {
		if got := len(d.Dedup(arts)); got != 1000 {
			b.Fatalf("kept %d articles, want 1000", got)
		}
	}
}
