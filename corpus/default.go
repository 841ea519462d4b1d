package corpus

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
)

//go:embed articles/*.md
var defaultFS embed.FS

// loadDefault reads the embedded articles once.
var loadDefault = sync.OnceValues(func() ([]Article, error) {
	sub, err := fs.Sub(defaultFS, "articles")
	if err != nil {
		return nil, fmt.Errorf("default corpus: %w", err)
	}
	res, err := LoadFS(context.Background(), sub, LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("default corpus: %w", err)
	}
	if len(res.Skipped) > 0 {
		var reasons []string
		for _, s := range res.Skipped {
			reasons = append(reasons, s.Path+": "+s.Reason)
		}
		return nil, fmt.Errorf("default corpus: bad articles: %s", strings.Join(reasons, "; "))
	}
	return res.Articles, nil
})

// Default returns the default corpus embedded in the binary (the articles
// in corpus/articles), sorted by ID. The slice is a fresh copy on each call.
func Default() ([]Article, error) {
	articles, err := loadDefault()
	return slices.Clone(articles), err
}
