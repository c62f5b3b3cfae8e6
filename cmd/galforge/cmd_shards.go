package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	shardfmt "github.com/galforge/galforge/mock/shard"
)

func newShardsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "shards", Short: "Inspect, verify and join training shards"}
	var verify bool
	inspect := &cobra.Command{
		Use:   "inspect FILE [--verify]",
		Short: "Print a shard's header and counts; --verify reads every block and checks its checksum",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runShardsInspect(args[0], verify, cmd.OutOrStdout())
		},
	}
	inspect.Flags().BoolVar(&verify, "verify", false, "decompress every block and check its checksum")
	join := &cobra.Command{
		Use:   "join DST PART...",
		Short: "Join the shards of a --shard i/N run, in order, into one shard (byte-identical to a single-machine run)",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := shardfmt.Concat(args[0], args[1:]...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "joined %d shards into %s\n", len(args)-1, args[0])
			return nil
		},
	}
	cmd.AddCommand(inspect, join)
	return cmd
}

func runShardsInspect(path string, verify bool, w io.Writer) error {
	r, err := shardfmt.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	h := r.Header()
	b, _ := json.MarshalIndent(h, "", "  ")
	fmt.Fprintf(w, "%s: %d examples in %d blocks\n%s\n", path, r.Len(), r.NumBlocks(), b)
	if verify {
		for i := 0; i < r.NumBlocks(); i++ {
			if _, err := r.ReadBlock(i); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "all %d blocks verified\n", r.NumBlocks())
	}
	return nil
}
