package web

import (
	"context"

	"github.com/newsrag/newsrag/corpus"
	"github.com/newsrag/newsrag/rag"
)

// Pipeline is what the server needs from newsrag's answering pipeline;
// *rag.Engine satisfies it. Errors wrap the sentinels of package rag
// (rag.ErrBadRequest, rag.ErrNotFound, rag.ErrNotReady, *rag.LLMError), which
// the server turns into HTTP statuses.
type Pipeline interface {
	// Ask answers req. It calls s.Sources once with the retrieved passages,
	// then s.Token with each piece of answer text as it is produced.
	Ask(ctx context.Context, req rag.Request, s rag.Stream) (*rag.Answer, error)
	// Search retrieves passages for req.Question.
	Search(ctx context.Context, req rag.Request) (rag.Found, error)
	// FilterMiss says why a search within filters f found nothing when no
	// article passes them ("" when f is empty or some article passes).
	FilterMiss(f rag.Filters) string
	// Articles lists every indexed article, text included.
	Articles() []corpus.Article
	// Article returns one article by ID, or an error wrapping rag.ErrNotFound.
	Article(id string) (corpus.Article, error)
	// Ready reports whether an index is loaded and questions can be answered.
	Ready() bool
	// Stats describes the loaded index and the answering setup.
	Stats() rag.Stats
}
