/* The places within a radius of one point, from nearest.py's buckets: its plain loop, compiled.
 *
 * A single lookup's search is a few bisections and a loop over a few dozen places; in Python
 * that is half of the whole lookup's time (interpreter work and the cache misses of reading
 * boxed floats). Here it is one call. nearest.py keeps the plain loop as the reference (and the
 * fallback where no C compiler built this); tests/geocode/test_nearest.py checks both agree to the
 * bit: the same chord test and the same distance formula, in the same order of operations, with
 * floating-point contraction off (setup.py), and libm's asin, which math.asin calls too.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    double km;
    int32_t row;
    Py_ssize_t position;
} Found;

typedef struct {
    Py_ssize_t start, stop;
} Slice;

typedef struct {
    PyObject_HEAD
    Py_buffer xyz, order, row_buckets, bucket_cols, bucket_starts;
    int held;                         /* how many of the buffers above are held */
    Py_ssize_t size, height, width, buckets;
    double radius, diameter, cell, eps;
    Found *found;
    Py_ssize_t capacity;
    Slice *slices;
    Py_ssize_t slice_capacity;
    int busy;                         /* found and slices are in use by a call */
} Buckets;

static void
Buckets_dealloc(Buckets *self)
{
    Py_buffer *views[] = {&self->xyz, &self->order, &self->row_buckets, &self->bucket_cols, &self->bucket_starts};
    for (int i = 0; i < self->held; i++)
        PyBuffer_Release(views[i]);
    PyMem_Free(self->found);
    PyMem_Free(self->slices);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Holds a C-contiguous buffer of `itemsize`-byte items; `what` names it in the error. */
static int
hold(Buckets *self, Py_buffer *view, PyObject *source, Py_ssize_t itemsize, const char *what)
{
    if (PyObject_GetBuffer(source, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    self->held++;
    if (view->itemsize != itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: items of %zd bytes, not %zd", what, view->itemsize, itemsize);
        return -1;
    }
    return 0;
}

static int
Buckets_init(Buckets *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"xyz", "order", "row_buckets", "bucket_cols", "bucket_starts", "width", "cell",
                               "radius", "eps", NULL};
    PyObject *xyz, *order, *row_buckets, *bucket_cols, *bucket_starts;
    if (self->held) {
        PyErr_SetString(PyExc_TypeError, "Buckets is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOnddd", keywords, &xyz, &order, &row_buckets, &bucket_cols,
                                     &bucket_starts, &self->width, &self->cell, &self->radius, &self->eps))
        return -1;
    if (self->width < 1 || self->width > 65536 || !(self->cell > 0) || !(self->radius > 0) || !(self->eps >= 0)) {
        PyErr_SetString(PyExc_ValueError, "width, cell, radius or eps out of range");
        return -1;
    }
    if (hold(self, &self->xyz, xyz, sizeof(double), "xyz") < 0
        || hold(self, &self->order, order, sizeof(int32_t), "order") < 0
        || hold(self, &self->row_buckets, row_buckets, sizeof(int32_t), "row_buckets") < 0
        || hold(self, &self->bucket_cols, bucket_cols, sizeof(uint16_t), "bucket_cols") < 0
        || hold(self, &self->bucket_starts, bucket_starts, sizeof(int32_t), "bucket_starts") < 0)
        return -1;
    self->size = self->order.len / (Py_ssize_t)sizeof(int32_t);
    self->height = self->row_buckets.len / (Py_ssize_t)sizeof(int32_t) - 1;
    self->buckets = self->bucket_cols.len / (Py_ssize_t)sizeof(uint16_t);
    if (self->xyz.len != 3 * self->size * (Py_ssize_t)sizeof(double) || self->height < 1
        || self->bucket_starts.len != (self->buckets + 1) * (Py_ssize_t)sizeof(int32_t)) {
        PyErr_SetString(PyExc_ValueError, "xyz, order, row_buckets, bucket_cols and bucket_starts do not match");
        return -1;
    }
    /* the searches below index with these values: check them once, here */
    const int32_t *rows = self->row_buckets.buf, *starts = self->bucket_starts.buf, *ranks = self->order.buf;
    for (Py_ssize_t r = 0; r < self->height; r++)
        if (rows[r] < 0 || rows[r] > rows[r + 1] || rows[r + 1] > self->buckets) {
            PyErr_SetString(PyExc_ValueError, "row_buckets: not ascending within the buckets");
            return -1;
        }
    for (Py_ssize_t b = 0; b < self->buckets; b++)
        if (starts[b] < 0 || starts[b] > starts[b + 1] || starts[b + 1] > self->size) {
            PyErr_SetString(PyExc_ValueError, "bucket_starts: not ascending within the places");
            return -1;
        }
    for (Py_ssize_t i = 0; i < self->size; i++)
        if (ranks[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "order: a negative row");
            return -1;
        }
    self->diameter = 2 * self->radius;
    return 0;
}

/* bisect_left / bisect_right over cols[lo:hi] */
static Py_ssize_t
left(const uint16_t *cols, Py_ssize_t lo, Py_ssize_t hi, long col)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (cols[mid] < col) lo = mid + 1; else hi = mid;
    }
    return lo;
}

static Py_ssize_t
right(const uint16_t *cols, Py_ssize_t lo, Py_ssize_t hi, long col)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (col < cols[mid]) hi = mid; else lo = mid + 1;
    }
    return lo;
}

static int
by_km_then_row(const void *a, const void *b)
{
    const Found *x = a, *y = b;
    if (x->km < y->km) return -1;
    if (x->km > y->km) return 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int
grow(void **items, Py_ssize_t *capacity, Py_ssize_t needed, size_t itemsize)
{
    if (needed <= *capacity)
        return 0;
    Py_ssize_t capacity2 = needed < 64 ? 64 : 2 * needed;
    void *items2 = PyMem_Realloc(*items, (size_t)capacity2 * itemsize);
    if (items2 == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *items = items2;
    *capacity = capacity2;
    return 0;
}

PyDoc_STRVAR(near_doc,
"near(lng, lat, km, limit, most) -> list | None\n\n"
"[(distance_km, row, position)] of the places whose squared chord to the point is at most `limit`\n"
"(chord(km) ** 2), nearest first, ties by row; None when the buckets of the window (nearest.window())\n"
"hold more than `most` places, the point is outside -90 <= lat <= 90, -540 <= lng <= 540, or another\n"
"call is under way (another thread): nearest.py's loop answers those.");

static const double deg_to_rad = M_PI / 180.0, rad_to_deg = 180.0 / M_PI;   /* math.radians(), math.degrees() */

static PyObject *search(Buckets *self, double lng, double lat, double km, double limit, Py_ssize_t most);

static PyObject *
Buckets_near(Buckets *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "near() takes 5 arguments");
        return NULL;
    }
    double lng = PyFloat_AsDouble(args[0]), lat = PyFloat_AsDouble(args[1]), km = PyFloat_AsDouble(args[2]);
    double limit = PyFloat_AsDouble(args[3]);
    Py_ssize_t most = PyLong_AsSsize_t(args[4]);
    if (PyErr_Occurred())
        return NULL;
    if (!self->held) {
        PyErr_SetString(PyExc_TypeError, "Buckets not initialised");
        return NULL;
    }
    if (!(lat >= -90.0 && lat <= 90.0 && lng >= -540.0 && lng <= 540.0 && km >= 0 && km <= 1e9))
        Py_RETURN_NONE;                          /* not a lookup's point: nearest.py's loop takes it */
    /* Building the answer allocates, which may run a finalizer, which may let another thread in:
     * a call that finds the scratch arrays in use leaves this one to nearest.py's loop. */
    if (self->busy)
        Py_RETURN_NONE;
    self->busy = 1;
    PyObject *result = search(self, lng, lat, km, limit, most);
    self->busy = 0;
    return result;
}

static PyObject *
search(Buckets *self, double lng, double lat, double km, double limit, Py_ssize_t most)
{
    /* the point as a unit vector: nearest._unit() */
    double phi = lat * deg_to_rad, lam = lng * deg_to_rad, cos_phi = cos(phi);
    double qx = cos_phi * cos(lam), qy = cos_phi * sin(lam), qz = sin(phi);
    /* the bucket rows and column spans: nearest.window() */
    double a = km / self->radius;
    if (a > M_PI)
        a = M_PI;
    double dlat = a * rad_to_deg + self->eps;
    Py_ssize_t height = self->height, width = self->width;
    double first_row = floor((lat - dlat + 90.0) / self->cell), last_row = floor((lat + dlat + 90.0) / self->cell);
    Py_ssize_t row0 = first_row < 0 ? 0 : (Py_ssize_t)first_row;
    Py_ssize_t row1 = last_row > height - 1 ? height - 1 : (Py_ssize_t)last_row;
    double cos_lat = cos(lat * deg_to_rad);
    double spread = sin(a) / (cos_lat > 1e-12 ? cos_lat : 1e-12);
    long cols0[2] = {0, 0}, cols1[2] = {(long)width - 1, 0};
    Py_ssize_t n_spans = 1;
    if (!(lat + dlat >= 90.0 || lat - dlat <= -90.0 || spread >= 1.0)) {
        double dlng = asin(spread) * rad_to_deg + self->eps;
        long col0 = (long)floor((lng - dlng + 180.0) / self->cell), col1 = (long)floor((lng + dlng + 180.0) / self->cell);
        if (col1 - col0 + 1 >= width) {
            /* whole rows */
        } else if (col0 < 0) {
            cols0[0] = col0 + width; cols1[0] = width - 1; cols0[1] = 0; cols1[1] = col1; n_spans = 2;
        } else if (col1 >= width) {
            cols0[0] = col0; cols1[0] = width - 1; cols0[1] = 0; cols1[1] = col1 - width; n_spans = 2;
        } else {
            cols0[0] = col0; cols1[0] = col1;
        }
    }

    const int32_t *row_buckets = self->row_buckets.buf, *starts = self->bucket_starts.buf;
    const uint16_t *cols = self->bucket_cols.buf;
    Py_ssize_t n_slices = 0, count = 0;
    if (row1 >= row0 && grow((void **)&self->slices, &self->slice_capacity, (row1 - row0 + 1) * n_spans,
                             sizeof(Slice)) < 0)
        return NULL;
    for (Py_ssize_t row = row0; row <= row1; row++) {
        Py_ssize_t lo = row_buckets[row], hi = row_buckets[row + 1];
        if (lo >= hi)
            continue;
        for (Py_ssize_t s = 0; s < n_spans; s++) {
            Py_ssize_t first = left(cols, lo, hi, cols0[s]), last = right(cols, lo, hi, cols1[s]);
            if (first < last) {
                Slice slice = {starts[first], starts[last]};
                self->slices[n_slices++] = slice;
                count += slice.stop - slice.start;
            }
        }
    }
    if (count > most)
        Py_RETURN_NONE;

    if (grow((void **)&self->found, &self->capacity, count, sizeof(Found)) < 0)
        return NULL;
    const double *xyz = self->xyz.buf;
    const int32_t *order = self->order.buf;
    Py_ssize_t n = 0;
    for (Py_ssize_t k = 0; k < n_slices; k++) {
        for (Py_ssize_t i = self->slices[k].start; i < self->slices[k].stop; i++) {
            const double *p = xyz + 3 * i;
            double dx = p[0] - qx, dy = p[1] - qy, dz = p[2] - qz;
            double d2 = dx * dx + dy * dy + dz * dz;      /* (dx² + dy²) + dz², as Python adds */
            if (d2 <= limit) {
                Found f = {self->diameter * asin(sqrt(d2) / 2), order[i], i};
                self->found[n++] = f;
            }
        }
    }
    qsort(self->found, (size_t)n, sizeof(Found), by_km_then_row);

    PyObject *result = PyList_New(n);
    if (result == NULL)
        return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *item = PyTuple_New(3);
        if (item == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, k, item);
        PyObject *km = PyFloat_FromDouble(self->found[k].km), *row = PyLong_FromLong(self->found[k].row),
                 *position = PyLong_FromSsize_t(self->found[k].position);
        if (km) PyTuple_SET_ITEM(item, 0, km);
        if (row) PyTuple_SET_ITEM(item, 1, row);
        if (position) PyTuple_SET_ITEM(item, 2, position);
        if (km == NULL || row == NULL || position == NULL) {
            Py_DECREF(result);
            return NULL;
        }
    }
    return result;
}

static PyMemberDef Buckets_members[] = {
    {"busy", T_INT, offsetof(Buckets, busy), 0,
     "1 while a call uses the scratch arrays: another call then returns None (tests set it to see that)"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef Buckets_methods[] = {
    {"near", (PyCFunction)(void (*)(void))Buckets_near, METH_FASTCALL, near_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Buckets_doc,
"Buckets(xyz, order, row_buckets, bucket_cols, bucket_starts, width, cell, radius, eps)\n\n"
"nearest.NearestPlaces' sorted places and bucket index, searched in C: xyz is (n, 3) float64\n"
"unit vectors in bucket order; order (int32) maps position -> row; row_buckets (int32, one per\n"
"bucket row and one more) where each row's non-empty buckets begin; bucket_cols (uint16) their\n"
"columns; bucket_starts (int32, one more) their first positions; width: buckets per row; cell:\n"
"degrees per bucket side; radius: the Earth's, in km; eps: degrees that widen every window.");

static PyTypeObject BucketsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "service.geocode._buckets.Buckets",
    .tp_doc = Buckets_doc,
    .tp_basicsize = sizeof(Buckets),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Buckets_init,
    .tp_dealloc = (destructor)Buckets_dealloc,
    .tp_methods = Buckets_methods,
    .tp_members = Buckets_members,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "service.geocode._buckets",
    .m_doc = "nearest.py's bucket search, compiled.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__buckets(void)
{
    if (PyType_Ready(&BucketsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&BucketsType);
    if (PyModule_AddObject(m, "Buckets", (PyObject *)&BucketsType) < 0) {
        Py_DECREF(&BucketsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
