// Command newsrag answers questions about a corpus of news articles and
// cites the articles it used. Run "newsrag --help" for its commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "newsrag:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "newsrag",
		Short: "Answer questions about news articles, with citations",
		Long: `newsrag answers questions about a corpus of news articles and cites the
articles it used. It ships with a small default corpus; "newsrag ingest DIR"
indexes your own. Settings come from the environment and a .env file (see
.env.example); flags override them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newAskCmd(),
		newSearchCmd(),
		newIngestCmd(),
		newServeCmd(),
		newModelCmd(),
	)
	return root
}
