package testfake

import (
	"hash/fnv"
	"time"

	"github.com/newsrag/newsrag/corpus"
)

// Articles is a tiny corpus with known contents: drones, Kabul and the
// coalition of the willing, each with a title, outlet and date.
func Articles() []corpus.Article {
	arts := []corpus.Article{
		{ID: "drones", Title: "Ukraine expands long-range drone strikes", Outlet: "Sky News",
			Published: time.Date(2025, 7, 7, 0, 0, 0, 0, time.UTC),
			Text: "Ukraine plans to produce thousands of long-range drones a month. " +
				"The drones target oil refineries and ammunition depots deep inside Russia.\n\n" +
				"Officials say the strikes aim to cut fuel supplies to the Russian army. " +
				"Moscow calls the attacks terrorism."},
		{ID: "kabul", Title: "How Kabul fell", Outlet: "Sky News",
			Published: time.Date(2021, 8, 22, 0, 0, 0, 0, time.UTC),
			Text: "The Taliban entered Kabul after a rapid advance through the provinces. " +
				"Western leaders had insisted it would not happen.\n\n" +
				"Thousands gathered at the airport hoping to leave the country."},
		{ID: "coalition", Title: "Coalition of the Willing", Outlet: "Global Affairs",
			Published: time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC),
			Text: "President Zelenskyy announced a coalition of the willing after a call with Keir Starmer. " +
				"The coalition aims to bolster air defence and pressure Russia with sanctions."},
	}
	for i := range arts {
		arts[i].Hash = Hash(arts[i])
	}
	return arts
}

// Hash is a content hash for an article built by hand in a test.
func Hash(a corpus.Article) string {
	f := fnv.New64a()
	f.Write([]byte(a.Title + "\x00" + a.Outlet + "\x00" + a.Text))
	return string(f.Sum(nil))
}
