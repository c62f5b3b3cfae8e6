package ramses

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// field is one per-particle record of a part file: its name (as in
// part_file_descriptor.txt) and type code (see kindSize).
type field struct {
	name string
	kind byte
}

// layout says which per-particle records follow a part file's header.
type layout struct {
	// source describes where the field list came from, for messages.
	source string
	// fields lists the records in file order; nil means the old fixed
	// layout, detected record by record (see readPart).
	fields []field
}

// Field names this package uses.
const (
	fPosX      = "position_x"
	fPosY      = "position_y"
	fPosZ      = "position_z"
	fVelX      = "velocity_x"
	fVelY      = "velocity_y"
	fVelZ      = "velocity_z"
	fMass      = "mass"
	fIdentity  = "identity"
	fLevel     = "levelp"
	fFamily    = "family"
	fTag       = "tag"
	fBirth     = "birth_time"
	fMetal     = "metallicity"
	fInitMass  = "initial_mass"
	familyStar = 2 // RAMSES pm/pm_commons.f90: FAM_STAR
)

var versionRE = regexp.MustCompile(`^#\s*version:\s*(\d+)\s*$`)

// readDescriptor parses part_file_descriptor.txt (version 1, written by
// dump_header_info and dump_var_info in amr/dump_utils.f90):
//
//	# version:  1
//	# ivar, variable_name, variable_type
//	 1, position_x, d
//	 …
func readDescriptor(path string) ([]field, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line, version := 0, -1
	var fields []field
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		if version < 0 {
			m := versionRE.FindStringSubmatch(s)
			if m == nil {
				return nil, fmt.Errorf("%s: line %d: %q, want \"# version: 1\" first", path, line, s)
			}
			version, _ = strconv.Atoi(m[1])
			if version != 1 {
				return nil, fmt.Errorf("%s: line %d: descriptor version %d, only version 1 is known", path, line, version)
			}
			continue
		}
		if strings.HasPrefix(s, "#") {
			continue
		}
		parts := strings.Split(s, ",")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%s: line %d: %q, want \"ivar, variable_name, variable_type\"", path, line, s)
		}
		ivar, err := strconv.Atoi(strings.TrimSpace(parts[0]))
		if err != nil || ivar != len(fields)+1 {
			return nil, fmt.Errorf("%s: line %d: variable number %q, want %d (variables must be listed in file order)", path, line, strings.TrimSpace(parts[0]), len(fields)+1)
		}
		name, kind := strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
		if name == "" {
			return nil, fmt.Errorf("%s: line %d: empty variable name", path, line)
		}
		if len(kind) != 1 || kindSize(kind[0]) == 0 {
			return nil, fmt.Errorf("%s: line %d: variable %s has unknown type %q (known: b B h H i I q Q f d ?)", path, line, name, kind)
		}
		fields = append(fields, field{name, kind[0]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if version < 0 {
		return nil, fmt.Errorf("%s: empty descriptor", path)
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("%s: no variables listed", path)
	}
	return fields, nil
}

// headerTokens maps the words of the "Particle fields" line of
// header_NNNNN.txt (written by output_header in amr/output_amr.f90) to
// records.
var headerTokens = map[string][]field{
	"pos":         {{fPosX, 'd'}, {fPosY, 'd'}, {fPosZ, 'd'}},
	"vel":         {{fVelX, 'd'}, {fVelY, 'd'}, {fVelZ, 'd'}},
	"mass":        {{fMass, 'd'}},
	"iord":        {{fIdentity, kindAnyInt}},
	"level":       {{fLevel, 'i'}},
	"family":      {{fFamily, 'b'}},
	"tag":         {{fTag, 'b'}},
	"phi":         {{"potential", 'd'}},
	"tform":       {{fBirth, 'd'}},
	"metal":       {{fMetal, 'd'}},
	"propertime":  {{"proper_time", 'd'}},
	"initialmass": {{fInitMass, 'd'}},
}

// readHeaderFields returns the field list named by the "Particle fields"
// line of header_NNNNN.txt, or nil (and no error) when the file is absent,
// has no such line, or names a word this package does not know (the caller
// then falls back to the fixed layout).
func readHeaderFields(path string) ([]field, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "Particle fields" {
			continue
		}
		if i+1 >= len(lines) {
			return nil, nil
		}
		var fields []field
		for _, w := range strings.Fields(lines[i+1]) {
			ws, ok := headerTokens[w]
			if !ok {
				return nil, nil
			}
			fields = append(fields, ws...)
		}
		if len(fields) == 0 {
			return nil, nil
		}
		return fields, nil
	}
	return nil, nil
}
