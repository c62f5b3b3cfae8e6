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
				bound := math.Inf(1)
				for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
					d := math.Sqrt(tr.kthDist2(i, q, bound))
					out[tr.perm[i]] = max(d, floorKpc)
					// Bound for the next point (its neighbour in tree
					// order), padded against rounding.
					if i+1 < n {
						a, b := tr.pts[i], tr.pts[i+1]
						dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
						r := (d + math.Sqrt(dx*dx+dy*dy+dz*dz)) * (1 + 1e-9)
						bound = r*r + 1e-300
					}
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

// kdNode is a node of the kd-tree over pts[start:end]. An inner node splits
// along dim: its left child holds coordinates ≤ lhi, its right child ≥ rlo.
type kdNode struct {
	lhi, rlo    float64
	start, end  int32
	left, right int32 // −1 for a leaf
	dim         int32
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
	// The node count of a median-split tree depends only on n.
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
		if end-start <= leafSize {
			nd.left, nd.right = -1, -1
			return
		}
		lo, hi := tr.pts[start], tr.pts[start]
		for _, p := range tr.pts[start+1 : end] {
			for d := 0; d < 3; d++ {
				lo[d] = min(lo[d], p[d])
				hi[d] = max(hi[d], p[d])
			}
		}
		dim := 0
		for d := 1; d < 3; d++ {
			if hi[d]-lo[d] > hi[dim]-lo[dim] {
				dim = d
			}
		}
		mid := start + (end-start)/2
		tr.selectNth(start, end, mid, dim)
		nd.dim = int32(dim)
		nd.rlo = tr.pts[mid][dim]
		nd.lhi = tr.pts[start][dim]
		for _, p := range tr.pts[start+1 : mid] {
			nd.lhi = max(nd.lhi, p[dim])
		}
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

// knn is one worker's query state: a bounded max-heap of squared distances.
type knn struct {
	k     int
	d2    []float64
	worst float64 // pruning radius²: +Inf until k distances are held
	qi    int
	p     [3]float64
	off   [3]float64 // per-dimension offset of the current cell from p
}

func newKNN(k int) *knn {
	return &knn{k: k, d2: make([]float64, 0, k)}
}

// offer adds a squared distance smaller than q.worst to the heap of the k
// smallest and updates q.worst.
func (q *knn) offer(d float64) {
	h := q.d2
	if len(h) < q.k {
		h = append(h, d)
		i := len(h) - 1
		for i > 0 {
			p := (i - 1) / 2
			if h[p] >= d {
				break
			}
			h[i] = h[p]
			i = p
		}
		h[i] = d
		q.d2 = h
		if len(h) == q.k {
			q.worst = min(q.worst, h[0])
		}
		return
	}
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
		if h[c] <= d {
			break
		}
		h[i] = h[c]
		i = c
	}
	h[i] = d
	q.worst = h[0]
}

// kthDist2 returns the squared distance from pts[qi] to its k-th nearest
// other point. The distances are exactly those a brute-force search
// computes.
//
// bound, if finite, must be at least the answer (SmoothingLengths passes the
// previous query's k-th distance plus the distance between the two points:
// the triangle inequality); it prunes the search from the start.
func (tr *kdTree) kthDist2(qi int, q *knn, bound float64) float64 {
	q.d2 = q.d2[:0]
	q.worst = bound
	q.qi = qi
	q.p = tr.pts[qi]
	q.off = [3]float64{}
	tr.search(0, 0, q)
	if len(q.d2) < q.k {
		// The bound was too tight (it cannot be, but for rounding):
		// search again without it.
		q.d2 = q.d2[:0]
		q.worst = math.Inf(1)
		tr.search(0, 0, q)
	}
	return q.d2[0]
}

// search visits node id, whose cell lies at squared distance ≥ rd from the
// query (Arya & Mount's incremental distance: q.off holds the per-dimension
// gaps that sum to rd), nearer child first.
func (tr *kdTree) search(id int32, rd float64, q *knn) {
	nd := &tr.nodes[id]
	if nd.left < 0 {
		p := q.p
		for j := int(nd.start); j < int(nd.end); j++ {
			o := &tr.pts[j]
			dx, dy, dz := o[0]-p[0], o[1]-p[1], o[2]-p[2]
			if d := dx*dx + dy*dy + dz*dz; d < q.worst && j != q.qi {
				q.offer(d)
			}
		}
		return
	}
	dim := nd.dim
	x := q.p[dim]
	var near, far int32
	var gap float64
	if x-nd.lhi < nd.rlo-x {
		// Nearer the left child.
		near, far = nd.left, nd.right
		gap = max(nd.rlo-x, 0)
	} else {
		near, far = nd.right, nd.left
		gap = max(x-nd.lhi, 0)
	}
	tr.search(near, rd, q)
	old := q.off[dim]
	if rdFar := rd - old*old + gap*gap; rdFar < q.worst {
		q.off[dim] = gap
		tr.search(far, rdFar, q)
		q.off[dim] = old
	}
}

// selectKth returns the element of rank k (0-based) of x, reordering x
// (Hoare quickselect, median of three).
func selectKth(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if x[mid] < x[lo] {
			x[mid], x[lo] = x[lo], x[mid]
		}
		if x[hi] < x[lo] {
			x[hi], x[lo] = x[lo], x[hi]
		}
		if x[hi] < x[mid] {
			x[hi], x[mid] = x[mid], x[hi]
		}
		pivot := x[mid]
		i, j := lo, hi
		for i <= j {
			for x[i] < pivot {
				i++
			}
			for x[j] > pivot {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		if k <= j {
			hi = j
		} else if k >= i {
			lo = i
		} else {
			return x[k]
		}
	}
	return x[k]
}
