package source

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// StateFileName is the name of the state file in the data directory.
const StateFileName = "sources.json"

// stateVersion is written into the state file; a file of another version
// is ignored (everything is fetched again, once).
const stateVersion = 1

// state is what a load remembers for the next one: each URL source's cache
// validators and the articles it gave, and which article each feed entry
// became, so that an unchanged feed costs one 304 and a known entry is not
// fetched again.
type state struct {
	Version int                    `json:"version"`
	Sources map[string]sourceState `json:"sources"` // by source URL
	Entries map[string]entryState  `json:"entries"` // by entry link
}

// sourceState is one URL source as last fetched.
type sourceState struct {
	validators
	Articles []articleRef `json:"articles"`
}

// articleRef names an article a source gave.
type articleRef struct {
	ID        string    `json:"id"`
	Published time.Time `json:"published,omitzero"`
}

// entryState is a feed entry as last read: the article it became, and the
// entry's own dates, which change when the entry is updated.
type entryState struct {
	ID      string `json:"id"`
	Updated string `json:"updated,omitempty"`
}

func newState() *state {
	return &state{Version: stateVersion, Sources: map[string]sourceState{}, Entries: map[string]entryState{}}
}

// readState reads the state file at path. A missing file is an empty
// state; so is a damaged one or one of another version (reported in err,
// which the caller logs: the cost is one full fetch).
func readState(path string) (*state, error) {
	if path == "" {
		return newState(), nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return newState(), fmt.Errorf("reading the source state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(data, st); err != nil || st.Version != stateVersion {
		return newState(), fmt.Errorf("ignoring the source state %s: damaged or of another version", path)
	}
	if st.Sources == nil {
		st.Sources = map[string]sourceState{}
	}
	if st.Entries == nil {
		st.Entries = map[string]entryState{}
	}
	return st, nil
}

// write saves the state atomically: a temporary file in the same
// directory, synced, then renamed over the old one.
func (st *state) write(path string) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("saving the source state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sources-*.json")
	if err != nil {
		return fmt.Errorf("saving the source state: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the source state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving the source state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving the source state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving the source state: %w", err)
	}
	return nil
}
