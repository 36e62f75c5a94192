/* crossings.CrossedCells.regions_at, compiled: the edge count of a probe in a crossed sub-cell.
 *
 * Probes near coasts and borders land in sub-cells with dozens of edges, and in Python that loop
 * is the largest part of the slowest lookups. crossings.py keeps the loop as the reference (and
 * the fallback where no C compiler built this); tests/geocode/test_subgrid.py checks both give the
 * same answers. Same formulas in the same order, with floating-point contraction off
 * (setup.py), so every comparison sees the very same doubles.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define MAX_INSIDE 64               /* parts one point can be in, per call; more: the polygons decide */

typedef struct {
    PyObject_HEAD
    Py_buffer cells, head, entries, xy, vertex_part, region_of;
    int held;
    Py_ssize_t n_cells, n_heads, n_entries, n_vertices, n_parts;
    int side, start_shift, count_shift, part_bits;
    int64_t count_mask, part_mask, mask_span;
    double sub, line_slack, floor_, length_slack;
} Crossings;

static void
Crossings_dealloc(Crossings *self)
{
    Py_buffer *views[] = {&self->cells, &self->head, &self->entries, &self->xy, &self->vertex_part, &self->region_of};
    for (int i = 0; i < self->held; i++)
        PyBuffer_Release(views[i]);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
hold(Crossings *self, Py_buffer *view, PyObject *source, Py_ssize_t itemsize, Py_ssize_t itemsize2, const char *what)
{
    if (PyObject_GetBuffer(source, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    self->held++;
    if (view->itemsize != itemsize && view->itemsize != itemsize2) {
        PyErr_Format(PyExc_ValueError, "%s: items of %zd bytes", what, view->itemsize);
        return -1;
    }
    return 0;
}

static Py_ssize_t
part_of(const Crossings *self, Py_ssize_t vertex)
{
    if (self->vertex_part.itemsize == 2)
        return ((const int16_t *)self->vertex_part.buf)[vertex];
    return ((const int32_t *)self->vertex_part.buf)[vertex];
}

static int
Crossings_init(Crossings *self, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"cells", "head", "entries", "xy", "vertex_part", "region_of", "side", "sub",
                               "start_shift", "count_shift", "part_bits", "mask_span", "line_slack", "floor",
                               "length_slack", NULL};
    PyObject *cells, *head, *entries, *xy, *vertex_part, *region_of;
    long long mask_span;
    if (self->held) {
        PyErr_SetString(PyExc_TypeError, "Crossings is initialised once");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOOidiiiLddd", keywords, &cells, &head, &entries, &xy,
                                     &vertex_part, &region_of, &self->side, &self->sub, &self->start_shift,
                                     &self->count_shift, &self->part_bits, &mask_span, &self->line_slack,
                                     &self->floor_, &self->length_slack))
        return -1;
    if (hold(self, &self->cells, cells, 8, 8, "cells") < 0 || hold(self, &self->head, head, 8, 8, "head") < 0
        || hold(self, &self->entries, entries, 4, 4, "entries") < 0 || hold(self, &self->xy, xy, 8, 8, "xy") < 0
        || hold(self, &self->vertex_part, vertex_part, 2, 4, "vertex_part") < 0
        || hold(self, &self->region_of, region_of, 4, 4, "region_of") < 0)
        return -1;
    if (self->side < 1 || self->side * self->side > 62 || self->start_shift < 1 || self->start_shift > 62
        || self->count_shift < 0 || self->count_shift > self->start_shift || self->part_bits < 1
        || 2 * self->part_bits > self->count_shift || mask_span < 1) {
        PyErr_SetString(PyExc_ValueError, "side, shifts or mask_span out of range");
        return -1;
    }
    self->mask_span = mask_span;
    self->count_mask = ((int64_t)1 << (self->start_shift - self->count_shift)) - 1;
    self->part_mask = ((int64_t)1 << self->part_bits) - 1;
    self->n_cells = self->cells.len / 8;
    self->n_heads = self->head.len / 8;
    self->n_entries = self->entries.len / 4;
    self->n_vertices = self->xy.len / 16;
    self->n_parts = self->region_of.len / 4;
    if (self->vertex_part.len / self->vertex_part.itemsize != self->n_vertices) {
        PyErr_SetString(PyExc_ValueError, "xy and vertex_part do not match");
        return -1;
    }
    /* regions_at() reads where these point: check them all once, here */
    const int64_t *cell = self->cells.buf, *heads = self->head.buf;
    for (Py_ssize_t i = 0; i < self->n_cells; i++) {
        int64_t mask = cell[i] % mask_span;
        if (cell[i] < 0 || mask >> (self->side * self->side) || cell[i] / mask_span + __builtin_popcountll(mask) >= self->n_heads) {
            PyErr_SetString(PyExc_ValueError, "cells: a crossed sub-cell without its head");
            return -1;
        }
    }
    for (Py_ssize_t k = 0; k < self->n_heads; k++) {
        int64_t start = heads[k] >> self->start_shift;
        if (heads[k] < 0 || start > self->n_entries || (k > 0 && start < (heads[k - 1] >> self->start_shift))
            || (k + 1 < self->n_heads && start + ((heads[k] >> self->count_shift) & self->count_mask) > self->n_entries)) {
            PyErr_SetString(PyExc_ValueError, "head: entries out of order or range");
            return -1;
        }
        if (k + 1 < self->n_heads) {
            int64_t c0 = ((heads[k] >> self->part_bits) & self->part_mask) - 2, c1 = (heads[k] & self->part_mask) - 2;
            if (c0 >= self->n_parts || c1 >= self->n_parts) {
                PyErr_SetString(PyExc_ValueError, "head: a centre part out of range");
                return -1;
            }
        }
    }
    const int32_t *entry = self->entries.buf, *region = self->region_of.buf;
    for (Py_ssize_t e = 0; e < self->n_entries; e++)
        if (entry[e] < 0 || (entry[e] >> 1) + 1 >= self->n_vertices) {
            PyErr_SetString(PyExc_ValueError, "entries: an edge out of range");
            return -1;
        }
    for (Py_ssize_t v = 0; v < self->n_vertices; v++) {
        Py_ssize_t part = part_of(self, v);
        if (part < 0 || part >= self->n_parts) {
            PyErr_SetString(PyExc_ValueError, "vertex_part: a part out of range");
            return -1;
        }
    }
    for (Py_ssize_t p = 0; p < self->n_parts; p++)
        if (region[p] < 0) {
            PyErr_SetString(PyExc_ValueError, "region_of: a negative region");
            return -1;
        }
    return 0;
}

/* toggles `part` in the set inside[0:*n]; -1 when full */
static int
toggle(Py_ssize_t *inside, int *n, Py_ssize_t part)
{
    for (int i = 0; i < *n; i++)
        if (inside[i] == part) {
            inside[i] = inside[--*n];
            return 0;
        }
    if (*n == MAX_INSIDE)
        return -1;
    inside[(*n)++] = part;
    return 0;
}

PyDoc_STRVAR(regions_at_doc,
"regions_at(x, y, number, row, col, level0, level1) -> list | None\n\n"
"crossings.CrossedCells.regions_at(): the regions whose parts contain (x, y), by part, or None\n"
"where the polygons must decide.");

static PyObject *
Crossings_regions_at(Crossings *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "regions_at() takes 7 arguments");
        return NULL;
    }
    double x = PyFloat_AsDouble(args[0]), y = PyFloat_AsDouble(args[1]);
    Py_ssize_t number = PyLong_AsSsize_t(args[2]), row = PyLong_AsSsize_t(args[3]), col = PyLong_AsSsize_t(args[4]);
    int level0 = PyObject_IsTrue(args[5]), level1 = PyObject_IsTrue(args[6]);
    if (PyErr_Occurred() || level0 < 0 || level1 < 0)
        return NULL;
    if (!self->held) {
        PyErr_SetString(PyExc_TypeError, "Crossings not initialised");
        return NULL;
    }
    if (number < 0 || number >= self->n_cells || row < 0 || col < 0) {
        PyErr_SetString(PyExc_ValueError, "number, row or col out of range");
        return NULL;
    }
    int side = self->side;
    int j = (int)((row % side) * side + col % side);
    int64_t cell = ((const int64_t *)self->cells.buf)[number];
    int64_t mask = cell % self->mask_span;
    if (!(mask >> j & 1))
        Py_RETURN_NONE;
    Py_ssize_t k = (Py_ssize_t)(cell / self->mask_span) + __builtin_popcountll(mask & (((int64_t)1 << j) - 1));
    const int64_t *heads = self->head.buf;
    int64_t word = heads[k];
    Py_ssize_t start = (Py_ssize_t)(word >> self->start_shift);
    Py_ssize_t split = start + (Py_ssize_t)((word >> self->count_shift) & self->count_mask);
    int64_t centre0 = ((word >> self->part_bits) & self->part_mask) - 2, centre1 = (word & self->part_mask) - 2;
    Py_ssize_t inside[MAX_INSIDE];
    int n = 0;
    if (level0) {
        if (centre0 == -2)                      /* OVERLAP */
            Py_RETURN_NONE;
        if (centre0 >= 0)
            inside[n++] = (Py_ssize_t)centre0;
    }
    if (level1) {
        if (centre1 == -2)
            Py_RETURN_NONE;
        if (centre1 >= 0)
            inside[n++] = (Py_ssize_t)centre1;
    }
    double sub = self->sub;
    double cx = -180.0 + ((double)col + 0.5) * sub, cy = -90.0 + ((double)row + 0.5) * sub;   /* centre_x/y() */
    double sx = x - cx, sy = y - cy;
    double near_segment = self->line_slack * (sx * sx + sy * sy) + self->floor_;
    const double *xy = self->xy.buf;
    const int32_t *entries = self->entries.buf;
    Py_ssize_t end = level1 ? (Py_ssize_t)(heads[k + 1] >> self->start_shift) : split;
    for (Py_ssize_t e = level0 ? start : split; e < end; e++) {
        int32_t entry = entries[e];
        int left = entry & 1;
        Py_ssize_t v = entry - left;
        double ax = xy[v], ay = xy[v + 1];
        double ex = xy[v + 2] - ax, ey = xy[v + 3] - ay;
        double length = ex * ex + ey * ey;
        double d = ex * (y - ay) - ey * (x - ax);
        if (d * d <= self->line_slack * length + self->floor_)
            Py_RETURN_NONE;
        if ((d > 0) == left)
            continue;
        double d3 = sx * (ay - cy) - sy * (ax - cx);
        double d4 = sx * (ay + ey - cy) - sy * (ax + ex - cx);
        double slack = near_segment + self->length_slack * length;
        if (d3 * d3 <= slack || d4 * d4 <= slack)
            Py_RETURN_NONE;
        if ((d3 > 0) != (d4 > 0) && toggle(inside, &n, part_of(self, entry >> 1)) < 0)
            Py_RETURN_NONE;
    }
    for (int a = 1; a < n; a++)                 /* by part, as sorted() */
        for (int b = a; b > 0 && inside[b - 1] > inside[b]; b--) {
            Py_ssize_t t = inside[b];
            inside[b] = inside[b - 1];
            inside[b - 1] = t;
        }
    PyObject *result = PyList_New(n);
    if (result == NULL)
        return NULL;
    const int32_t *region_of = self->region_of.buf;
    for (int i = 0; i < n; i++) {
        PyObject *region = PyLong_FromLong(region_of[inside[i]]);
        if (region == NULL) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, i, region);
    }
    return result;
}

static PyMethodDef Crossings_methods[] = {
    {"regions_at", (PyCFunction)(void (*)(void))Crossings_regions_at, METH_FASTCALL, regions_at_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Crossings_doc,
"Crossings(cells, head, entries, xy, vertex_part, region_of, side, sub, start_shift, count_shift,\n"
"          part_bits, mask_span, line_slack, floor, length_slack)\n\n"
"crossings.CrossedCells' tables, read in place: cells and head int64, entries int32, xy float64,\n"
"vertex_part int16 or int32, region_of int32 (part -> region).");

static PyTypeObject CrossingsType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "service.geocode._crossings.Crossings",
    .tp_doc = Crossings_doc,
    .tp_basicsize = sizeof(Crossings),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Crossings_init,
    .tp_dealloc = (destructor)Crossings_dealloc,
    .tp_methods = Crossings_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "service.geocode._crossings",
    .m_doc = "crossings.py's edge count, compiled.",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__crossings(void)
{
    if (PyType_Ready(&CrossingsType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&CrossingsType);
    if (PyModule_AddObject(m, "Crossings", (PyObject *)&CrossingsType) < 0) {
        Py_DECREF(&CrossingsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
