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
// (-std=c11 -Wall -Werror, x86-64) and g++ (-std=c++17 -Wall -Werror), which
// check its static assertions, next to a program's own UINT8/UINT64/BOOLEAN
// typedefs, then runs a program, built as C and as C++, that prints
// sizeof/alignof/offsetof of every type and member and compares those with
// hvgen's export and with go/types' layout of the Go package.
func TestCHeader(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Fatal("gcc is required (apt-get install gcc): ", err)
	}
	gxx, err := exec.LookPath("g++")
	if err != nil {
		t.Fatal("g++ is required (apt-get install g++): ", err)
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
			for _, std := range []string{"-std=c++11", "-std=c++17"} {
				if out, err := exec.Command(gxx, std, "-Wall", "-Werror", "-m64", "-fsyntax-only", "-x", "c++", header).CombinedOutput(); err != nil {
					t.Fatalf("g++ %s rejects the header: %v\n%s", std, err, out)
				}
			}
			if out, err := exec.Command(gxx, "-std=c++17", "-Wall", "-Werror", "-m64", "-fsyntax-only", "-ffreestanding", "-U__x86_64__", "-D__aarch64__", "-x", "c++", header).CombinedOutput(); err != nil {
				t.Fatalf("g++ rejects the header's ARM64 branches: %v\n%s", err, out)
			}
			// A program with its own integer typedefs, unlike <stdint.h>'s,
			// includes the header in C and in C++, with C linkage checked.
			a := exportABI(t, v.version, "x64")
			id := uint64Alias(a)
			if id == "" {
				t.Fatalf("%s declares no alias of UINT64 on every architecture for the program to use", v.version)
			}
			t.Logf("the program with its own typedefs uses %s", id)
			user := filepath.Join(dir, "user.c")
			if err := os.WriteFile(user, []byte(userProgram(id)), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(gcc, "-std=c11", "-Wall", "-Werror", "-m64", "-fsyntax-only", "-I", dir, "-x", "c", user).CombinedOutput(); err != nil {
				t.Fatalf("gcc: the header collides with a program's own typedefs: %v\n%s", err, out)
			}
			if out, err := exec.Command(gxx, "-std=c++17", "-Wall", "-Werror", "-m64", "-fsyntax-only", "-I", dir, "-x", "c++", user).CombinedOutput(); err != nil {
				t.Fatalf("g++: the header collides with a program's own typedefs: %v\n%s", err, out)
			}
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
			binxx := filepath.Join(dir, "layout-cxx")
			if out, err := exec.Command(gxx, "-std=c++17", "-Wall", "-Werror", "-m64", "-I", dir, "-o", binxx, "-x", "c++", src).CombinedOutput(); err != nil {
				t.Fatalf("g++: %v\n%s", err, out)
			}
			outxx, err := exec.Command(binxx).Output()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, outxx) {
				t.Errorf("C and C++ lay the header's types out differently")
			}
			c := parseC(t, out)
			compareExport(t, a, c)
			compareGo(t, v.pkg, a, c)
		})
	}
}

// userProgram declares integer typedefs of its own, as <windows.h> or an old
// code base would, with types unlike <stdint.h>'s on Linux, and then uses the
// header's alias id of UINT64: the header must declare none of these names,
// spell UINT64 and BOOLEAN as uint64_t and uint8_t, and give its
// declarations C linkage in C++.
func userProgram(id string) string {
	return strings.ReplaceAll(`typedef unsigned long long UINT64;
typedef unsigned char UINT8;
typedef unsigned int UINT16;
typedef long INT32;
typedef int BOOLEAN;
typedef struct { UINT64 a, b; } UINT128;
#include "hv.h"
#ifdef __cplusplus
#include <type_traits>
extern "C" int hvgen_user(ID *id);
static_assert(std::is_same<ID, uint64_t>::value, "ID is a uint64_t");
static_assert(std::is_same<HVGEN_BOOLEAN, uint8_t>::value, "HVGEN_BOOLEAN is a uint8_t");
#endif
int hvgen_user(ID *id) { UINT64 x = 1; BOOLEAN b = 1; *id = (ID)x; return b; }
`, "ID", id)
}

// uint64Alias is the first type of the export that renames UINT64 on every
// architecture (HV_PARTITION_ID in the documents; the kernel headers have
// other names).
func uint64Alias(a *abi) string {
	for _, ty := range a.Types {
		if ty.Kind == "alias" && ty.Base == "UINT64" && len(ty.Arch) == 0 {
			return ty.Name
		}
	}
	return ""
}

// cProgram prints the layout of every type and named member.
func cProgram(a *abi) string {
	var b strings.Builder
	b.WriteString("#include <stdio.h>\n#include \"hv.h\"\nint main(void) {\n")
	for _, ty := range a.Types {
		fmt.Fprintf(&b, "  printf(\"%s %%zu %%zu\\n\", sizeof(%s), HVGEN_ALIGNOF(%s));\n", ty.Name, ty.Name, ty.Name)
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
