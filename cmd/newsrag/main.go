// Command newsrag answers questions about a corpus of news articles and
// cites the articles it used. Run "newsrag --help" for its commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/rag"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // something failed
	exitUsage = 2 // bad arguments or input: fix the command
)

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "newsrag:", err)
	if errors.Is(err, rag.ErrBadRequest) || isUsageError(err) {
		return exitUsage
	}
	return exitError
}

// isUsageError reports whether cobra rejected the command line.
func isUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "invalid argument", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

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
		newEvalCmd(),
	)
	return root
}
