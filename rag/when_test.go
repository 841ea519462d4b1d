package rag

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestParseWhen(t *testing.T) {
	// Wednesday 22 October 2025, 15:00 UTC.
	now := time.Date(2025, 10, 22, 15, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	end := func(y int, m time.Month, d int) time.Time { return day(y, m, d).Add(24*time.Hour - time.Nanosecond) }
	tests := []struct {
		q        string
		from, to time.Time
		latest   bool
		rest     string
	}{
		{q: "What did Zelenskyy say about the coalition?", rest: "What did Zelenskyy say about the coalition?"},
		{q: "Who marched on Kabul?", rest: "Who marched on Kabul?"},
		{q: "What may happen to the ceasefire?", rest: "What may happen to the ceasefire?"},
		{q: "Which refineries were hit this week?", from: day(2025, 10, 20), to: end(2025, 10, 26), rest: "Which refineries were hit?"},
		{q: "Which refineries were hit last week?", from: day(2025, 10, 13), to: end(2025, 10, 19), rest: "Which refineries were hit?"},
		{q: "What happened last month in Kyiv?", from: day(2025, 9, 1), to: end(2025, 9, 30), rest: "What happened in Kyiv?"},
		{q: "What happened this month?", from: day(2025, 10, 1), to: end(2025, 10, 31), rest: "What happened?"},
		{q: "Sanctions news this year", from: day(2025, 1, 1), to: end(2025, 12, 31), rest: "Sanctions news"},
		{q: "Sanctions news last year", from: day(2024, 1, 1), to: end(2024, 12, 31), rest: "Sanctions news"},
		{q: "What has Russia struck since Monday?", from: day(2025, 10, 20), rest: "What has Russia struck?"},
		{q: "What has Russia struck since Wednesday?", from: day(2025, 10, 22), rest: "What has Russia struck?"},
		{q: "What has Russia struck since Thursday?", from: day(2025, 10, 16), rest: "What has Russia struck?"},
		{q: "What happened in March 2025?", from: day(2025, 3, 1), to: end(2025, 3, 31), rest: "What happened?"},
		{q: "What happened in Kabul in August?", from: day(2025, 8, 1), to: end(2025, 8, 31), rest: "What happened in Kabul?"},
		{q: "What happened in Kabul in December?", from: day(2024, 12, 1), to: end(2024, 12, 31), rest: "What happened in Kabul?"},
		{q: "Kabul news in Aug. 2021", from: day(2021, 8, 1), to: end(2021, 8, 31), rest: "Kabul news"},
		{q: "What happened in 2021 in Afghanistan?", from: day(2021, 1, 1), to: end(2021, 12, 31), rest: "What happened in Afghanistan?"},
		{q: "What did Trump say on March 3?", from: day(2025, 3, 3), to: end(2025, 3, 3), rest: "What did Trump say?"},
		{q: "What did Trump say on 3rd March 2025?", from: day(2025, 3, 3), to: end(2025, 3, 3), rest: "What did Trump say?"},
		{q: "What did Trump say on 2025-02-28?", from: day(2025, 2, 28), to: end(2025, 2, 28), rest: "What did Trump say?"},
		{q: "What did Trump say yesterday?", from: day(2025, 10, 21), to: end(2025, 10, 21), rest: "What did Trump say?"},
		{q: "What did Trump say today?", from: day(2025, 10, 22), to: end(2025, 10, 22), rest: "What did Trump say?"},
		{q: "What did Trump say last Friday?", from: day(2025, 10, 17), to: end(2025, 10, 17), rest: "What did Trump say?"},
		{q: "Drone strikes before March 2025", to: day(2025, 3, 1).Add(-time.Nanosecond), rest: "Drone strikes"},
		{q: "Drone strikes after 2024", from: day(2025, 1, 1), rest: "Drone strikes"},
		{q: "Drone strikes between May and July 2025", from: day(2025, 5, 1), to: end(2025, 7, 31), rest: "Drone strikes"},
		{q: "Drone strikes since June but before September", from: day(2025, 6, 1), to: day(2025, 9, 1).Add(-time.Nanosecond), rest: "Drone strikes but"},
		{q: "Drone strikes in the past 3 days", from: day(2025, 10, 19), to: end(2025, 10, 22), rest: "Drone strikes"},
		{q: "Drone strikes over the last two weeks", from: day(2025, 10, 8), to: end(2025, 10, 22), rest: "Drone strikes"},
		{q: "Drone strikes in the past month", from: day(2025, 9, 22), to: end(2025, 10, 22), rest: "Drone strikes"},
		{q: "What is the latest on the coalition of the willing?", latest: true, rest: "What is on the coalition of the willing?"},
		{q: "Most recent drone strikes on refineries", latest: true, rest: "drone strikes on refineries"},
		{q: "What's the latest?", latest: true, rest: "What's the latest?"},
		{q: "Latest news from Kyiv this week", from: day(2025, 10, 20), to: end(2025, 10, 26), latest: true, rest: "news from Kyiv"},
		{q: "Has Kyiv lately struck refineries?", latest: true, rest: "Has Kyiv struck refineries?"},
		// Not recency words: an adjective, a name.
		{q: "Did United win their recent matches?", rest: "Did United win their recent matches?"},
		{q: "Does the Business Today | Latest Stock Market News article mention Gaza?", rest: "Does the Business Today | Latest Stock Market News article mention Gaza?"},
		// Not dates: no filter.
		{q: "What happened before the election?", rest: "What happened before the election?"},
		{q: "Drone strikes since 2026 before 2025", rest: "Drone strikes"},
		{q: "Was anything signed on 31 April?", rest: "Was anything signed on 31 April?"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			w, rest := ParseWhen(tt.q, now)
			if !w.From.Equal(tt.from) || !w.To.Equal(tt.to) || w.Latest != tt.latest {
				t.Errorf("got from %v to %v latest %v (phrases %q)\nwant from %v to %v latest %v", w.From, w.To, w.Latest, w.Phrases, tt.from, tt.to, tt.latest)
			}
			if rest != tt.rest {
				t.Errorf("rest %q, want %q", rest, tt.rest)
			}
		})
	}
}

func TestPreferRecent(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 10, d, 0, 0, 0, 0, time.UTC) }
	ps := []Passage{
		{N: 1, ChunkID: "old#0", Score: 1.0, Published: day(1)},
		{N: 2, ChunkID: "new#0", Score: 0.7, Published: day(22)},
		{N: 3, ChunkID: "undated#0", Score: 0.9},
		{N: 4, ChunkID: "week-old#0", Score: 0.95, Published: day(15)},
	}
	got := preferRecent(ps, 3)
	want := []string{"week-old#0", "new#0", "old#0"} // 0.95·0.75=0.71, 0.70·1, 1.0·(0.5+0.5·2^-3)=0.56; undated 0.45
	for i, p := range got {
		if p.ChunkID != want[i] || p.N != i+1 {
			t.Errorf("passage %d: %s (n=%d, score %.3f), want %s", i, p.ChunkID, p.N, p.Score, want[i])
		}
	}
	if len(got) != 3 || ps[0].Score != 1.0 {
		t.Errorf("got %d passages; input modified: %v", len(got), ps[0].Score)
	}
}

func TestSearchTimeWords(t *testing.T) {
	// Pinned to the day after the newest test article.
	now := func() time.Time { return time.Date(2025, 7, 9, 12, 0, 0, 0, time.UTC) }
	e := newTestEngine(t, Config{Now: now})
	articles := func(q string, f Filters) map[string]bool {
		t.Helper()
		found, err := e.Search(context.Background(), Request{Question: q, K: 10, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		ps := found.Passages
		m := map[string]bool{}
		for _, p := range ps {
			m[p.ArticleID] = true
		}
		return m
	}
	tests := []struct {
		q       string
		filters Filters
		want    []string
	}{
		// Without time words, as before.
		{"Russia drones Kabul coalition", Filters{}, []string{"coalition", "drones", "kabul"}},
		{"Russia drones Kabul coalition this week", Filters{}, []string{"coalition", "drones"}},
		{"Russia drones Kabul coalition since yesterday", Filters{}, []string{"coalition"}},
		{"Russia drones Kabul coalition in August 2021", Filters{}, []string{"kabul"}},
		// A filter in the request wins over the question's words.
		{"Russia drones Kabul coalition in August 2021", Filters{From: time.Date(2025, 7, 8, 0, 0, 0, 0, time.UTC)}, []string{"coalition"}},
		// A range with no articles in it is dropped, not an empty answer.
		{"Russia drones Kabul coalition in 1990", Filters{}, []string{"coalition", "drones", "kabul"}},
	}
	for _, tt := range tests {
		got := articles(tt.q, tt.filters)
		if len(got) != len(tt.want) {
			t.Errorf("%q: articles %v, want %v", tt.q, got, tt.want)
			continue
		}
		for _, id := range tt.want {
			if !got[id] {
				t.Errorf("%q: articles %v, want %v", tt.q, got, tt.want)
			}
		}
	}

	// "latest" puts the newest article first when the scores are close.
	found, err := e.Search(context.Background(), Request{Question: "latest on Russia", K: 3})
	if err != nil {
		t.Fatal(err)
	}
	ps := found.Passages
	if len(ps) == 0 || ps[0].ArticleID == "kabul" {
		t.Errorf("latest: %v", ps)
	}
}

// FuzzParseWhen checks that any question parses without panicking, keeps
// some words, and never yields a range that ends before it starts.
func FuzzParseWhen(f *testing.F) {
	for _, q := range []string{"What happened this week?", "since Monday", "in March 2025", "between May and July 2025",
		"the latest on Kyiv", "before 31 April", "İstanbul today", "in the past 12 months", "USA Today"} {
		f.Add(q)
	}
	now := time.Date(2025, 10, 22, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, q string) {
		w, rest := ParseWhen(q, now)
		if !w.From.IsZero() && !w.To.IsZero() && w.From.After(w.To) {
			t.Errorf("%q: from %v after to %v", q, w.From, w.To)
		}
		if strings.TrimSpace(q) != "" && strings.TrimSpace(rest) == "" {
			t.Errorf("%q: nothing left to retrieve with", q)
		}
	})
}
