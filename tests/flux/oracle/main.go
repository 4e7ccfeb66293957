// The substitution oracle for tests/flux: runs drone/envsubst (the library Flux's
// kustomize-controller substitutes with; Debian's golang-github-drone-envsubst-dev) on
// each case read from standard input and prints what it gives, as JSON.
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run tests/flux/oracle/main.go < cases.json
//
// Input: [{"name": ..., "text": ..., "vars": {"NAME": "value"}}, ...].
// Output, per case:
//   - "library": the library's result: {"output": text} (or {"output_hex": ...} when the
//     result is not UTF-8), {"error": message} or {"panic": true}.
//   - "flux": what Flux's fork gives. The fork reads backslash escapes (`\\`, `\/`) only
//     inside `${...}`; the library reads them in the text around it too. When the text
//     has backslashes only around `${...}`, the library runs on the text with each
//     backslash replaced by a private-use character (so none is an escape) and the
//     character is turned back into a backslash after; when it has them only inside, the
//     library's result is Flux's. With backslashes in both places the case says nothing
//     for Flux ("flux": null).
//   - "strict_unset": in Flux's strict mode, the first variable read with no value and no
//     default operator, in the order the library evaluates (arguments before the
//     variable), or null. Computed on the library's parse tree.
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/drone/envsubst"
	"github.com/drone/envsubst/parse"
)

type input struct {
	Name string            `json:"name"`
	Text string            `json:"text"`
	Vars map[string]string `json:"vars"`
}

type result struct {
	Output    *string `json:"output,omitempty"`
	OutputHex *string `json:"output_hex,omitempty"`
	Error     *string `json:"error,omitempty"`
	Panic     bool    `json:"panic,omitempty"`
}

type output struct {
	Name        string  `json:"name"`
	Library     result  `json:"library"`
	Flux        *result `json:"flux"`
	StrictUnset *string `json:"strict_unset"`
}

// private stands for a backslash the Flux dialect does not read as an escape.
const private = "\uE000"

func evaluate(text string, vars map[string]string) (res result) {
	defer func() {
		if recover() != nil {
			res = result{Panic: true}
		}
	}()
	out, err := envsubst.Eval(text, func(name string) string { return vars[name] })
	if err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	if utf8.ValidString(out) {
		return result{Output: &out}
	}
	h := hex.EncodeToString([]byte(out))
	return result{OutputHex: &h}
}

// where reports whether a private character sits in text around `${...}` (outside) and
// in text inside one (inside).
func where(n parse.Node, depth int, outside, inside *bool) {
	switch n := n.(type) {
	case *parse.TextNode:
		if strings.Contains(n.Value, private) {
			if depth == 0 {
				*outside = true
			} else {
				*inside = true
			}
		}
	case *parse.ListNode:
		for _, c := range n.Nodes {
			where(c, depth, outside, inside)
		}
	case *parse.FuncNode:
		for _, a := range n.Args {
			where(a, depth+1, outside, inside)
		}
	}
}

func defaultOp(name string) bool {
	switch name {
	case "-", "+", "=", "?", ":-", ":+", ":=", ":?":
		return true
	}
	return false
}

// firstUnset walks the tree in evaluation order.
func firstUnset(n parse.Node, vars map[string]string) *string {
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			if u := firstUnset(c, vars); u != nil {
				return u
			}
		}
	case *parse.FuncNode:
		for _, a := range n.Args {
			if u := firstUnset(a, vars); u != nil {
				return u
			}
		}
		if _, ok := vars[n.Param]; !ok && !defaultOp(n.Name) {
			p := n.Param
			return &p
		}
	}
	return nil
}

func fluxOf(in input, lib result) (*result, parse.Node) {
	mapped := strings.ReplaceAll(in.Text, "\\", private)
	tree, err := parse.Parse(mapped)
	if err != nil {
		// The library fails on the text read without escapes: so does Flux unless an
		// escape inside a function changed the reading; only an escape-free text says.
		if !strings.Contains(in.Text, "\\") {
			return &lib, nil
		}
		return nil, nil
	}
	var outside, inside bool
	where(tree.Root, 0, &outside, &inside)
	switch {
	case outside && inside:
		return nil, nil
	case outside:
		r := evaluate(mapped, in.Vars)
		if r.Output != nil {
			back := strings.ReplaceAll(*r.Output, private, "\\")
			r.Output = &back
		}
		return &r, tree.Root
	default:
		t, err := parse.Parse(in.Text)
		if err != nil {
			return &lib, nil
		}
		return &lib, t.Root
	}
}

func main() {
	var cases []input
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "oracle: cannot read cases:", err)
		os.Exit(2)
	}
	var outs []output
	for _, c := range cases {
		if c.Vars == nil {
			c.Vars = map[string]string{}
		}
		lib := evaluate(c.Text, c.Vars)
		o := output{Name: c.Name, Library: lib}
		flux, tree := fluxOf(c, lib)
		o.Flux = flux
		if tree != nil && flux != nil && !flux.Panic && flux.Error == nil {
			o.StrictUnset = firstUnset(tree, c.Vars)
		}
		outs = append(outs, o)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(outs); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(2)
	}
}
