package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"
)

// TestEnvExampleMatchesDefaults keeps .env.example and defaultSettings in
// step: every setting is documented, nothing else is, and every value
// written there is the default the code uses.
func TestEnvExampleMatchesDefaults(t *testing.T) {
	example, err := godotenv.Read("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	typ := reflect.TypeOf(settings{})
	for i := range typ.NumField() {
		name := typ.Field(i).Tag.Get("env")
		known[name] = true
		if _, ok := example[name]; !ok {
			t.Errorf(".env.example does not document %s", name)
		}
	}
	set := map[string]string{}
	for k, v := range example {
		if !known[k] {
			t.Errorf(".env.example documents %s, which no setting reads", k)
		}
		if v != "" {
			set[k] = v
		}
	}
	got := defaultSettings()
	if err := env.ParseWithOptions(&got, env.Options{Environment: set}); err != nil {
		t.Fatal(err)
	}
	if want := defaultSettings(); !reflect.DeepEqual(got, want) {
		gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
		for i := range typ.NumField() {
			if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
				t.Errorf("%s: .env.example says %v, the default is %v", typ.Field(i).Tag.Get("env"), gv.Field(i), wv.Field(i))
			}
		}
	}
}

// TestSettingsZeroIsASetting checks that settings whose zero is meaningful
// keep it rather than falling back to the default.
func TestSettingsZeroIsASetting(t *testing.T) {
	for _, k := range []string{"NEWSRAG_DENSE_WEIGHT", "NEWSRAG_LLM_TEMPERATURE", "NEWSRAG_LLM_RETRIES"} {
		t.Setenv(k, "0")
	}
	s, err := loadSettings()
	if err != nil {
		t.Fatal(err)
	}
	if s.DenseWeight != 0 || s.LLMTemperature != 0 || s.LLMRetries != 0 {
		t.Errorf("zeros lost: dense %v temperature %v retries %d", s.DenseWeight, s.LLMTemperature, s.LLMRetries)
	}
	if r := s.retrieval(); r.DenseWeight != 0 || !strings.EqualFold(r.Mode, "hybrid") {
		t.Errorf("retrieval %+v, want hybrid with dense weight 0", r)
	}
}

// TestDotenvFile checks that a .env file's settings are read and that a
// real environment variable wins over the file.
func TestDotenvFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("NEWSRAG_TOP_K=3\nNEWSRAG_RETRIEVER=bm25\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { dotenvFile = old }(dotenvFile)
	dotenvFile = path
	t.Setenv("NEWSRAG_RETRIEVER", "dense")
	t.Setenv("NEWSRAG_TOP_K", "") // so that the value the file sets is unset when the test ends
	os.Unsetenv("NEWSRAG_TOP_K")
	s, err := loadSettings()
	if err != nil {
		t.Fatal(err)
	}
	if s.TopK != 3 || s.Retriever != "dense" {
		t.Errorf("top k %d, retriever %q; want 3 from the file and dense from the environment", s.TopK, s.Retriever)
	}
}
