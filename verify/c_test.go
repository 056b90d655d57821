package verify

import (
	"bufio"
	"bytes"
	"fmt"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// cLayout is what the compiled C program reports: "TYPE size align" and
// "TYPE.path offset" lines.
type cLayout struct {
	size, align map[string]int64
	offset      map[string]int64
}

// TestCHeader generates the C header of each version, compiles it with gcc
// (-std=c11 -Wall -Werror, x86-64), which checks its _Static_asserts, then runs
// a program that prints sizeof/_Alignof/offsetof of every type and member and
// compares those with hvgen's export and with go/types' layout of the Go
// package.
func TestCHeader(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("gcc is required (apt-get install gcc): ", err)
	}
	for _, v := range versions {
		t.Run(v.pkg, func(t *testing.T) {
			dir := t.TempDir()
			hvgen(t, "gen", "-lang", "c", "-spec", "../spec", "-version", v.version, "-pkg", "hv", "-out", dir)
			header := filepath.Join(dir, "hv.h")
			if out, err := exec.Command(gcc, "-std=c11", "-Wall", "-Werror", "-m64", "-fsyntax-only", "-x", "c", header).CombinedOutput(); err != nil {
				t.Fatalf("gcc rejects the header: %v\n%s", err, out)
			}
			// The ARM64 branches with their assertions: x86-64 and AArch64 lay
			// out fixed-width integers alike, so this host's gcc checks them.
			if out, err := exec.Command(gcc, "-std=c11", "-Wall", "-Werror", "-m64", "-fsyntax-only", "-ffreestanding", "-U__x86_64__", "-D__aarch64__", "-x", "c", header).CombinedOutput(); err != nil {
				t.Fatalf("gcc rejects the header's ARM64 branches: %v\n%s", err, out)
			}
			a := exportABI(t, v.version, "x64")
			prog := cProgram(a)
			src := filepath.Join(dir, "layout.c")
			if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
				t.Fatal(err)
			}
			bin := filepath.Join(dir, "layout")
			if out, err := exec.Command(gcc, "-std=c11", "-Wall", "-Werror", "-m64", "-I", dir, "-o", bin, src).CombinedOutput(); err != nil {
				t.Fatalf("gcc: %v\n%s", err, out)
			}
			out, err := exec.Command(bin).Output()
			if err != nil {
				t.Fatal(err)
			}
			c := parseC(t, out)
			compareExport(t, a, c)
			compareGo(t, v.pkg, a, c)
		})
	}
}

// cProgram prints the layout of every type and named member.
func cProgram(a *abi) string {
	var b strings.Builder
	b.WriteString("#include <stdio.h>\n#include \"hv.h\"\nint main(void) {\n")
	for _, ty := range a.Types {
		fmt.Fprintf(&b, "  printf(\"%s %%zu %%zu\\n\", sizeof(%s), _Alignof(%s));\n", ty.Name, ty.Name, ty.Name)
		if ty.Kind == "struct" || ty.Kind == "union" {
			for _, p := range memberPaths(ty.Fields, "", 0) {
				fmt.Fprintf(&b, "  printf(\"%s.%s %%zu\\n\", offsetof(%s, %s));\n", ty.Name, p.path, ty.Name, p.path)
			}
		}
	}
	b.WriteString("  return 0;\n}\n")
	return b.String()
}

type memberPath struct {
	path   string
	offset int64
}

// memberPaths lists the named members with their offsets, looking through
// anonymous aggregates as C11 does.
func memberPaths(fields []abiField, prefix string, base int64) []memberPath {
	var out []memberPath
	for _, f := range fields {
		off := base + f.Offset
		if f.Name == "" {
			out = append(out, memberPaths(f.Fields, prefix, off)...)
			continue
		}
		if f.BitOffset != nil {
			continue // a bit range has no offsetof
		}
		out = append(out, memberPath{prefix + f.Name, off})
		if (f.Type == "struct" || f.Type == "union") && f.Count == 0 {
			out = append(out, memberPaths(f.Fields, prefix+f.Name+".", off)...)
		}
	}
	return out
}

func parseC(t *testing.T, out []byte) *cLayout {
	c := &cLayout{size: map[string]int64{}, align: map[string]int64{}, offset: map[string]int64{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		num := func(s string) int64 {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				t.Fatalf("bad line %q", sc.Text())
			}
			return n
		}
		switch len(f) {
		case 3:
			c.size[f[0]], c.align[f[0]] = num(f[1]), num(f[2])
		case 2:
			c.offset[f[0]] = num(f[1])
		default:
			t.Fatalf("bad line %q", sc.Text())
		}
	}
	return c
}

func compareExport(t *testing.T, a *abi, c *cLayout) {
	n := 0
	for _, ty := range a.Types {
		if c.size[ty.Name] != ty.Size {
			t.Errorf("%s: C size %d, hvgen %d", ty.Name, c.size[ty.Name], ty.Size)
		}
		if !ty.Packed && c.align[ty.Name] != ty.Align {
			t.Errorf("%s: C alignment %d, hvgen %d", ty.Name, c.align[ty.Name], ty.Align)
		}
		for _, p := range memberPaths(ty.Fields, "", 0) {
			n++
			if got, ok := c.offset[ty.Name+"."+p.path]; !ok || got != p.offset {
				t.Errorf("%s.%s: C offset %d, hvgen %d", ty.Name, p.path, got, p.offset)
			}
		}
	}
	t.Logf("%d types, %d member offsets compared with hvgen's layout", len(a.Types), n)
}

// compareGo checks that the Go and C types have the same size.
func compareGo(t *testing.T, pkg string, a *abi, c *cLayout) {
	cfg := &packages.Config{Mode: packages.NeedTypes | packages.NeedTypesSizes, Dir: "..",
		Env: append(os.Environ(), "GOARCH=amd64", "GOOS=linux", "CGO_ENABLED=0")}
	pkgs, err := packages.Load(cfg, "github.com/hvgen/hvgen/generated/"+pkg)
	if err != nil || len(pkgs) != 1 || len(pkgs[0].Errors) > 0 {
		t.Fatalf("load: %v %v", err, pkgs)
	}
	sizes := types.SizesFor("gc", "amd64")
	n := 0
	for _, ty := range a.Types {
		obj, ok := pkgs[0].Types.Scope().Lookup(ty.GoName).(*types.TypeName)
		if !ok {
			t.Errorf("%s: no Go type %s", ty.Name, ty.GoName)
			continue
		}
		n++
		if got := sizes.Sizeof(obj.Type()); got != c.size[ty.Name] {
			t.Errorf("%s: Go size %d, C size %d", ty.Name, got, c.size[ty.Name])
		}
	}
	t.Logf("%d Go types compared with C", n)
}
