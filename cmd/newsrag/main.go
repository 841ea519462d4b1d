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
	if args == nil {
		args = []string{} // cobra reads os.Args when given nil
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "newsrag:", err)
	if h := hint(err); h != "" {
		fmt.Fprintln(stderr, h)
	}
	var ue usageError
	if errors.Is(err, rag.ErrBadRequest) || errors.As(err, &ue) {
		return exitUsage
	}
	return exitError
}

// usageError is a command line cobra or a command rejected: the user must
// fix the command (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usage wraps an argument validator so that its errors are usageErrors.
func usage(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// hint is the command-line advice for an error the library reports, or "".
// Library errors say what went wrong; what to type about it is the CLI's.
func hint(err error) string {
	switch {
	case errors.Is(err, rag.ErrIndexCorrupt):
		return "rebuild it with: newsrag ingest --rebuild"
	case errors.Is(err, rag.ErrEmbedderMismatch):
		return "rebuild it with: newsrag ingest --rebuild (or configure the embedder it was built with)"
	case errors.Is(err, rag.ErrNotReady):
		return "build the index with: newsrag ingest [DIR]"
	}
	return ""
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
		// Runnable so that an unknown command is reported as a usage
		// error rather than answered with help and status 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())}
			}
			return cmd.Help()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newAskCmd(),
		newSearchCmd(),
		newIngestCmd(),
		newServeCmd(),
		newMCPCmd(),
		newModelCmd(),
		newEvalCmd(),
	)
	return root
}
