package graph

import (
	"fmt"
	"strings"
)

// LevelCost is one row of the per-level cost table.
type LevelCost struct {
	// Name is the layer-path prefix of the level, e.g.
	// "top_down.levels_down_upsample.3".
	Name string `json:"name"`
	// Res is the spatial resolution the level works at.
	Res int `json:"res"`
	// Width is the channel count of its main stream.
	Width  int   `json:"width"`
	Params int   `json:"params"`
	MACs   int64 `json:"macs_per_image"`
}

// Costs returns the per-level parameters and forward multiply-adds per image
// of a model's graph, in network order. Only forward convolutions count:
// nodes whose path begins with "grad." are skipped.
func Costs(g *Graph) []LevelCost {
	var rows []LevelCost
	index := map[string]int{}
	row := func(path string) *LevelCost {
		key := levelKey(path)
		i, ok := index[key]
		if !ok {
			i = len(rows)
			index[key] = i
			rows = append(rows, LevelCost{Name: key})
		}
		return &rows[i]
	}
	for _, n := range g.Nodes {
		if strings.HasPrefix(n.Path, "grad.") {
			continue
		}
		switch op := n.Op.(type) {
		case ParamRef:
			r := row(op.Name)
			r.Params += op.Shape.Size()
			// The learned state and the unpooling bias have the level's
			// own resolution and width.
			learned := strings.HasSuffix(op.Name, "trainable_h") || strings.HasSuffix(op.Name, "scale_bias")
			if r.Res == 0 && learned {
				r.Res, r.Width = op.Shape[2], op.Shape[1]
			}
		case Conv2D:
			r := row(n.Path)
			s, w := n.Out.Shape, n.Inputs[1].Shape
			r.MACs += int64(s[1]) * int64(s[2]) * int64(s[3]) * int64(w[1]) * int64(w[2]) * int64(w[3])
			if r.Res == 0 {
				r.Res, r.Width = n.Inputs[0].Shape[2], n.Inputs[0].Shape[1]
			}
		}
	}
	return rows
}

// levelKey keeps the path up to the level index:
// "top_down.levels_down.2.0.prior_net..." -> "top_down.levels_down.2.0".
func levelKey(path string) string {
	parts := strings.Split(path, ".")
	if len(parts) < 2 {
		return path
	}
	keep := 2
	switch parts[1] {
	case "levels_up_downsample", "levels_down_upsample":
		keep = 3
	case "levels_up", "levels_down":
		keep = 4
	}
	if keep > len(parts) {
		keep = len(parts)
	}
	return strings.Join(parts[:keep], ".")
}

// TotalMACs sums the per-level multiply-adds.
func TotalMACs(rows []LevelCost) int64 {
	var t int64
	for _, r := range rows {
		t += r.MACs
	}
	return t
}

// FormatCount writes n with a k/M/G suffix.
func FormatCount(n float64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.2fG", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.2fM", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", n/1e3)
	}
	return fmt.Sprintf("%.0f", n)
}
