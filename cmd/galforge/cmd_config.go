package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/galforge/galforge/configs"
)

// configFlags are the flags every config-driven command takes.
type configFlags struct {
	file string
	sets []string
}

func (f *configFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.file, "config", "c", "", "experiment config (YAML)")
	cmd.Flags().StringArrayVar(&f.sets, "set", nil, "override one key, e.g. --set simulate.n_particles=20000 (repeatable)")
}

func (f *configFlags) load() (configs.Config, error) {
	c, err := configs.Load(f.file, f.sets)
	if err != nil {
		return c, usageError{err}
	}
	return c, nil
}

func newConfigCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect experiment configs"}
	var cf configFlags
	print := &cobra.Command{
		Use:   "print -c FILE [--set key=value ...]",
		Short: "Print the effective config, with defaults filled in, and its hashes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cf.load()
			if err != nil {
				return err
			}
			b, err := c.YAML()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "# effective config of %s (simulate hash %s)\n%s", nameOr(cf.file, "defaults"), c.SimulateHash(), b)
			return nil
		},
	}
	cf.register(print)
	cmd.AddCommand(print)
	return cmd
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
