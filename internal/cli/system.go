package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/pier-engine/pier/internal/cli/format"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/version"
)

// versionString is what `pier --version` prints after "pier version".
func versionString() string { return version.Version }

// versionTemplate is podman's `version` layout for a client without a
// server.
const versionTemplate = `{{with .Client -}}
Client:\tPier Engine
Version:\t{{.Version}}
API Version:\t{{.APIVersion}}
Go Version:\t{{.GoVersion}}
{{if .GitCommit -}}Git Commit:\t{{.GitCommit}}\n{{end -}}
Built:\t{{.BuiltTime}}
{{if .BuildOrigin -}}Build Origin:\t{{.BuildOrigin}}\n{{end -}}
OS/Arch:\t{{.OsArch}}
{{- end}}
`

func newVersionCommand(g *Globals) *cobra.Command {
	var fmtFlag string
	cmd := &cobra.Command{
		Use:   "version [options]",
		Short: "Display the Pier version information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := engine.VersionInfo()
			return printVersion(g.Stdout, define.SystemVersionReport{Client: &v}, fmtFlag, cmd.Flags().Changed("format"))
		},
	}
	cmd.Flags().StringVarP(&fmtFlag, "format", "f", "", "Change the output format to JSON or a Go template")
	completeFormat(cmd, &define.SystemVersionReport{})
	return cmd
}

func printVersion(w io.Writer, rep define.SystemVersionReport, tmpl string, userFmt bool) error {
	switch {
	case format.IsJSON(tmpl):
		b, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("encoding version: %w", err)
		}
		fmt.Fprintln(w, string(b))
		return nil
	case userFmt:
		// podman falls back to the client for old ".Server." templates.
		if err := format.Single(io.Discard, tmpl, rep); err != nil {
			return format.Single(w, strings.ReplaceAll(tmpl, ".Server.", ".Client."), rep)
		}
		return format.Single(w, tmpl, rep)
	}
	return format.Single(w, versionTemplate, rep)
}

func newInfoCommand(g *Globals) *cobra.Command {
	var fmtFlag string
	cmd := &cobra.Command{
		Use:   "info [options]",
		Short: "Display pier system information",
		Long:  "Display information pertaining to the host, current storage stats, and build of pier.\n\n  Useful for the user and when reporting issues.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Engine(ctx)
			if err != nil {
				return err
			}
			info, err := rt.Info(ctx)
			if err != nil {
				return err
			}
			switch {
			case format.IsJSON(fmtFlag):
				return format.JSON(g.Stdout, info, "  ")
			case cmd.Flags().Changed("format"):
				return format.Single(g.Stdout, fmtFlag, info)
			}
			b, err := yamlOf(info)
			if err != nil {
				return err
			}
			// podman prints the YAML document plus an empty line.
			fmt.Fprintln(g.Stdout, string(b))
			return nil
		},
	}
	cmd.Flags().StringVarP(&fmtFlag, "format", "f", "", "Change the output format to JSON or a Go template")
	completeFormat(cmd, &define.Info{})
	return cmd
}

// yamlOf renders v as podman's info YAML: the JSON keys, sorted, with
// block sequences at their key's indentation.
func yamlOf(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding info: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, fmt.Errorf("encoding info: %w", err)
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(numbersOf(generic)); err != nil {
		return nil, fmt.Errorf("encoding info: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding info: %w", err)
	}
	return out.Bytes(), nil
}

// numbersOf turns json.Number back into ints or floats so YAML prints
// 25276510208, not 2.5276510208e+10 or a quoted string.
func numbersOf(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = numbersOf(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbersOf(e)
		}
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	}
	return v
}
