package sph

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultNeighbours is the number of neighbours SmoothingLengths uses when
// asked for k ≤ 0.
const DefaultNeighbours = 32

// SmoothingLengths returns, for every particle, the distance in kpc to its
// k-th nearest other particle in 3D (the particle itself is not counted;
// particles at identical positions are distinct neighbours at distance 0),
// bounded below by floorKpc. If k is zero or negative, it will be defaulted
// to DefaultNeighbours. With n ≤ k particles each gets the distance to its
// farthest other particle, and a lone particle gets floorKpc. The search uses
// a kd-tree and runs on workers goroutines (workers ≤ 0 means
// runtime.GOMAXPROCS(0)); the result does not depend on workers.
// SmoothingLengths panics if a position is not finite.
func SmoothingLengths(pos [][3]float64, k int, floorKpc float64, workers int) []float64 {
	n := len(pos)
	out := make([]float64, n)
	if n == 0 {
		return out
	}
	for i, p := range pos {
		if !finite(p[0]) || !finite(p[1]) || !finite(p[2]) {
			panic(fmt.Sprintf("sph: SmoothingLengths: position %d is %v", i, p))
		}
	}
	if k <= 0 {
		k = DefaultNeighbours
	}
	if k > n-1 {
		k = n - 1
	}
	if k == 0 {
		out[0] = floorKpc
		return out
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	tr := buildTree(pos, workers)
	const chunk = 2048
	nc := (n + chunk - 1) / chunk
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, nc) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := newKNN(k)
			for {
				c := int(next.Add(1) - 1)
				if c >= nc {
					return
				}
				for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
					d := math.Sqrt(tr.kthDist2(i, q))
					out[tr.perm[i]] = max(d, floorKpc)
				}
			}
		}()
	}
	wg.Wait()
	return out
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// leafSize is the largest number of points in a kd-tree leaf.
const leafSize = 10

// kdNode is a node of the kd-tree: the tight bounding box of its points
// pts[start:end]; an inner node has children left and left+1... stored
// explicitly.
type kdNode struct {
	lo, hi      [3]float64
	start, end  int32
	left, right int32 // −1 for a leaf
}

// kdTree is a static kd-tree over points stored in tree order.
type kdTree struct {
	pts   [][3]float64 // points in tree order
	perm  []int32      // perm[i]: original index of pts[i]
	nodes []kdNode
}

// buildTree builds a balanced kd-tree splitting the widest dimension of each
// node's bounding box at the median. The top levels are built concurrently.
func buildTree(pos [][3]float64, workers int) *kdTree {
	n := len(pos)
	tr := &kdTree{pts: make([][3]float64, n), perm: make([]int32, n)}
	copy(tr.pts, pos)
	for i := range tr.perm {
		tr.perm[i] = int32(i)
	}
	// Exact node count of a median-split tree is data independent: count it.
	var count func(m int) int
	count = func(m int) int {
		if m <= leafSize {
			return 1
		}
		return 1 + count(m/2) + count(m-m/2)
	}
	tr.nodes = make([]kdNode, count(n))
	// Node indices are preassigned in preorder so that concurrent subtrees
	// write disjoint parts of tr.nodes.
	var build func(id, start, end, depth int, wg *sync.WaitGroup)
	build = func(id, start, end, depth int, wg *sync.WaitGroup) {
		if wg != nil {
			defer wg.Done()
		}
		nd := &tr.nodes[id]
		nd.start, nd.end = int32(start), int32(end)
		nd.lo, nd.hi = tr.pts[start], tr.pts[start]
		for _, p := range tr.pts[start+1 : end] {
			for d := 0; d < 3; d++ {
				nd.lo[d] = min(nd.lo[d], p[d])
				nd.hi[d] = max(nd.hi[d], p[d])
			}
		}
		if end-start <= leafSize {
			nd.left, nd.right = -1, -1
			return
		}
		dim := 0
		for d := 1; d < 3; d++ {
			if nd.hi[d]-nd.lo[d] > nd.hi[dim]-nd.lo[dim] {
				dim = d
			}
		}
		mid := start + (end-start)/2
		tr.selectNth(start, end, mid, dim)
		l := id + 1
		r := l + count(mid-start)
		nd.left, nd.right = int32(l), int32(r)
		if depth < 4 && workers > 1 && end-start > 1<<14 {
			var cw sync.WaitGroup
			cw.Add(2)
			go build(l, start, mid, depth+1, &cw)
			go build(r, mid, end, depth+1, &cw)
			cw.Wait()
			return
		}
		build(l, start, mid, depth+1, nil)
		build(r, mid, end, depth+1, nil)
	}
	build(0, 0, n, 0, nil)
	return tr
}

// selectNth partially sorts pts[start:end] (and perm) along dim so that the
// element at nth is the one a full sort would put there, with no larger
// element before it and no smaller after (Hoare quickselect, median of three).
func (tr *kdTree) selectNth(start, end, nth, dim int) {
	pts, perm := tr.pts, tr.perm
	swap := func(i, j int) {
		pts[i], pts[j] = pts[j], pts[i]
		perm[i], perm[j] = perm[j], perm[i]
	}
	lo, hi := start, end-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if pts[mid][dim] < pts[lo][dim] {
			swap(mid, lo)
		}
		if pts[hi][dim] < pts[lo][dim] {
			swap(hi, lo)
		}
		if pts[hi][dim] < pts[mid][dim] {
			swap(hi, mid)
		}
		pivot := pts[mid][dim]
		i, j := lo, hi
		for i <= j {
			for pts[i][dim] < pivot {
				i++
			}
			for pts[j][dim] > pivot {
				j--
			}
			if i <= j {
				swap(i, j)
				i++
				j--
			}
		}
		if nth <= j {
			hi = j
		} else if nth >= i {
			lo = i
		} else {
			return
		}
	}
}

// knn is a bounded max-heap of squared distances and a traversal stack.
type knn struct {
	k     int
	d2    []float64
	stack []int32
}

func newKNN(k int) *knn {
	return &knn{k: k, d2: make([]float64, 0, k), stack: make([]int32, 0, 64)}
}

// push offers a squared distance to the heap of the k smallest.
func (q *knn) push(d float64) {
	h := q.d2
	if len(h) < q.k {
		h = append(h, d)
		i := len(h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if h[p] >= h[i] {
				break
			}
			h[p], h[i] = h[i], h[p]
			i = p
		}
		q.d2 = h
		return
	}
	if d >= h[0] {
		return
	}
	h[0] = d
	i, n := 0, len(h)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && h[r] > h[l] {
			c = r
		}
		if h[c] <= h[i] {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// worst returns the pruning radius²: +Inf until k distances are held.
func (q *knn) worst() float64 {
	if len(q.d2) < q.k {
		return math.Inf(1)
	}
	return q.d2[0]
}

// boxDist2 is the squared distance from p to the box of nd (0 inside).
func boxDist2(nd *kdNode, p *[3]float64) float64 {
	var s float64
	for d := 0; d < 3; d++ {
		if v := nd.lo[d] - p[d]; v > 0 {
			s += v * v
		} else if v := p[d] - nd.hi[d]; v > 0 {
			s += v * v
		}
	}
	return s
}

// kthDist2 returns the squared distance from pts[qi] to its k-th nearest
// other point.
func (tr *kdTree) kthDist2(qi int, q *knn) float64 {
	q.d2 = q.d2[:0]
	p := tr.pts[qi]
	stack := append(q.stack[:0], 0)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		nd := &tr.nodes[id]
		if boxDist2(nd, &p) >= q.worst() {
			continue
		}
		if nd.left < 0 {
			for j := int(nd.start); j < int(nd.end); j++ {
				if j == qi {
					continue
				}
				o := &tr.pts[j]
				dx, dy, dz := o[0]-p[0], o[1]-p[1], o[2]-p[2]
				q.push(dx*dx + dy*dy + dz*dz)
			}
			continue
		}
		// Push the farther child first so the nearer is searched first.
		l, r := &tr.nodes[nd.left], &tr.nodes[nd.right]
		if boxDist2(l, &p) <= boxDist2(r, &p) {
			stack = append(stack, nd.right, nd.left)
		} else {
			stack = append(stack, nd.left, nd.right)
		}
	}
	q.stack = stack
	return q.d2[0]
}
