// Command mirror builds squad-refusal's mirror image, more training data
// for rag/gatetrain: ../shared/bench/squad-refusal keeps every other
// squad-dev article as its corpus and asks the other articles' questions
// as unanswerable; the mirror keeps the other articles and asks the first
// ones' questions as unanswerable. Every article the trainer learns from
// then teaches both roles (answerable, and asked of a corpus without it);
// the articles it holds out stay held out in both sets.
//
//	go run ./rag/gatetrain/mirror -o /tmp/squad-refusal-mirror \
//	    ../shared/bench/squad-dev ../shared/bench/squad-refusal
//
// The output directory's name is the dataset name eval records (and
// gatetrain's -budget refers to).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/newsrag/newsrag/rag/eval"
)

func main() {
	out := flag.String("o", "", "the directory to write (corpus/ and questions.jsonl)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: mirror -o DIR SQUAD-DEV SQUAD-REFUSAL")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" || flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*out, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "mirror:", err)
		os.Exit(1)
	}
}

func run(out, full, refusal string) error {
	taken, err := os.ReadDir(filepath.Join(refusal, "corpus"))
	if err != nil {
		return err
	}
	inRefusal := map[string]bool{}
	for _, e := range taken {
		inRefusal[e.Name()] = true
	}
	all, err := os.ReadDir(filepath.Join(full, "corpus"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "corpus"), 0o755); err != nil {
		return err
	}
	kept := map[string]bool{}
	for _, e := range all {
		if e.IsDir() || inRefusal[e.Name()] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(full, "corpus", e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "corpus", e.Name()), b, 0o644); err != nil {
			return err
		}
		kept[e.Name()] = true
	}
	if len(kept) == 0 {
		return errors.New("every article of the full benchmark is in the refusal corpus: nothing to mirror")
	}
	qs, err := eval.ReadQuestions(filepath.Join(full, "questions.jsonl"))
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, "questions.jsonl"))
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	var answerable, not int
	for _, q := range qs {
		if len(q.Sources) == 0 || !kept[q.Sources[0]] {
			q.Answers, q.Sources, q.Evidence = []string{}, []string{}, nil
			not++
		} else {
			answerable++
		}
		if err := enc.Encode(q); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d articles, %d answerable questions, %d unanswerable\n", out, len(kept), answerable, not)
	return nil
}
