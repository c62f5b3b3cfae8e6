package emulate

import "sync"

// inputCache keeps preprocessed network inputs in memory, so that epochs
// after the first skip reading, decompressing and preprocessing the shards:
// Preprocess is deterministic, so a cached input is the one a fresh read
// would give. Inputs are cached until max bytes are held; the rest are
// recomputed each time. The cache belongs to one preprocessing: a stream
// with another empties it. It is safe for concurrent use.
type inputCache struct {
	mu    sync.RWMutex
	max   int64 // bytes; 0 turns the cache off
	used  int64 // bytes held
	prep  Preprocessing
	slots [][][]float32 // per file, per example
}

// use prepares the cache for inputs of the given preprocessing, emptying
// it when it holds another's.
func (c *inputCache) use(prep Preprocessing, meta [][]Meta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max <= 0 {
		return
	}
	if c.slots != nil && c.prep == prep {
		return
	}
	c.slots = make([][][]float32, len(meta))
	for i, m := range meta {
		c.slots[i] = make([][]float32, len(m))
	}
	c.used, c.prep = 0, prep
}

// get returns the cached input of example i of file f, or nil.
func (c *inputCache) get(f, i int) []float32 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.slots == nil {
		return nil
	}
	return c.slots[f][i]
}

// put caches in as the input of example i of file f if it fits.
func (c *inputCache) put(f, i int, in []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	size := int64(4 * len(in))
	if c.slots == nil || c.slots[f][i] != nil || c.used+size > c.max {
		return
	}
	c.slots[f][i] = in
	c.used += size
}

// SetCache sets how many bytes of preprocessed inputs d keeps in memory
// between streams (train.cache_mb) and empties the cache; 0 turns it off.
func (d *Data) SetCache(maxBytes int64) {
	c := &d.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.max = max(maxBytes, 0)
	c.slots, c.used = nil, 0
}

// CachedBytes returns the bytes of preprocessed inputs d holds in memory.
func (d *Data) CachedBytes() int64 {
	d.cache.mu.RLock()
	defer d.cache.mu.RUnlock()
	return d.cache.used
}
