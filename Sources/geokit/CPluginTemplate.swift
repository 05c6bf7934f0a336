/// The files of `geokit plugin new NAME --lang c`: one C file built with
/// `cc` from geokit.h alone, holding an attention component (a learnable
/// channel gate whose weight the kernel owns), and a Makefile.
struct CPluginTemplate {
    let name: String
    let includeDirectory: String

    var files: [(path: String, text: String)] {
        [("\(name).c", source), ("Makefile", makefile), ("README.md", readme)]
    }

    private var makefile: String {
        """
        # Builds lib\(name).so from geokit.h alone: no GeoKit library is linked.
        GEOKIT_FLAGS ?= -I\(includeDirectory) -fPIC -shared
        CFLAGS ?= -O2 -Wall -Wextra

        lib\(name).so: \(name).c
        \tcc $(CFLAGS) $(GEOKIT_FLAGS) -o $@ \(name).c -lm

        clean:
        \trm -f lib\(name).so

        .PHONY: clean

        """
    }

    private var source: String {
        """
        /*
         * attention:\(name): a learnable gate per channel, y = x * 2 sigmoid(gate[c]),
         * the identity at initialisation (gate = 0). The kernel allocates, owns and
         * optimises `gate`; this file only computes with it. Replace the forward
         * and backward with your module's.
         */
        #include <geokit.h>
        #include <math.h>
        #include <stdio.h>

        static const geokit_host *host;

        typedef struct gate_state {
            int64_t channels;
            geokit_parameter gate;
        } gate_state;

        static double get(const geokit_tensor *t, int64_t i) {
            return t->dtype == GEOKIT_FLOAT64 ? ((const double *)t->data)[i] : (double)((const float *)t->data)[i];
        }

        static void set(const geokit_tensor *t, int64_t i, double value) {
            if (t->dtype == GEOKIT_FLOAT64) ((double *)t->data)[i] = value;
            else ((float *)t->data)[i] = (float)value;
        }

        static double gate_value(const geokit_tensor *gate, int64_t c) { return 2 / (1 + exp(-get(gate, c))); }

        /* x is (N, channels, ...); returns the size of one channel's plane, or -1 after reporting. */
        static int64_t plane(const gate_state *s, const geokit_tensor *x) {
            if (x->rank < 2 || x->shape[1] != s->channels) {
                char message[128];
                snprintf(message, sizeof message, "\(name) was built for %lld channels, the input's shape differs",
                         (long long)s->channels);
                host->report_error(message);
                return -1;
            }
            int64_t size = 1;
            for (int32_t d = 2; d < x->rank; d++) size *= x->shape[d];
            return size;
        }

        static int32_t gate_forward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x, geokit_tensor *y) {
            const gate_state *s = self->state;
            const int64_t size = plane(s, x);
            if (size < 0) return 1;
            for (int64_t i = 0; i < x->shape[0] * s->channels; i++) {
                const double g = gate_value(&p[0], i % s->channels);
                for (int64_t k = 0; k < size; k++) set(y, i * size + k, get(x, i * size + k) * g);
            }
            return 0;
        }

        static int32_t gate_backward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x,
                                     const geokit_tensor *y, const geokit_tensor *gy, geokit_tensor *gx, geokit_tensor *gp) {
            (void)y;
            const gate_state *s = self->state;
            const int64_t size = plane(s, x);
            if (size < 0) return 1;
            for (int64_t i = 0; i < x->shape[0] * s->channels; i++) {
                const int64_t c = i % s->channels;
                const double g = gate_value(&p[0], c);
                double dg = 0;
                for (int64_t k = 0; k < size; k++) {
                    set(gx, i * size + k, get(gy, i * size + k) * g);
                    dg += get(gy, i * size + k) * get(x, i * size + k);
                }
                set(&gp[0], c, get(&gp[0], c) + dg * g * (1 - g / 2));
            }
            return 0;
        }

        static const geokit_attention_vtable gate_vtable = { gate_forward, gate_backward };

        static void gate_destroy(geokit_component *self) {
            host->free(self->state);
            host->free(self);
        }

        /* Called by the kernel through libffi as "int channels = 64" declares. */
        GEOKIT_EXPORT geokit_component *\(name)_create(int channels) {
            if (channels <= 0) {
                host->report_error("\(name) needs channels > 0");
                return NULL;
            }
            geokit_component *self = host->alloc(sizeof *self);
            gate_state *s = host->alloc(sizeof *s);
            if (!self || !s) {
                host->free(self);
                host->free(s);
                host->report_error("\(name): out of memory");
                return NULL;
            }
            s->channels = channels;
            s->gate = (geokit_parameter){ .name = "gate", .rank = 1, .shape = { channels },
                                          .initializer = GEOKIT_INIT_CONSTANT, .a = 0 };
            self->kind = GEOKIT_KIND_ATTENTION;
            self->parameter_count = 1;
            self->parameters = &s->gate;
            self->input_channels = channels;
            self->vtable = &gate_vtable;
            self->state = s;
            self->destroy = gate_destroy;
            return self;
        }

        GEOKIT_DEFINE_ABI_VERSION()

        GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *h) {
            host = h;
            return host->register_component("attention", "\(name)", "\(name)_create", "int channels = 64",
                                            "a learnable gate per channel (the \(name) plugin)\\n"
                                            "channels: input channels C");
        }

        """
    }

    private var readme: String {
        """
        # \(name): a GeoKit attention plugin in C

        Build it with `cc` alone (the Makefile runs
        `cc $(geokit config --cflags --libs) -O2 -o lib\(name).so \(name).c -lm`):

        ```sh
        make
        ```

        Use it: point geokit at this directory (or copy `lib\(name).so` to
        `~/.geokit/plugins/`), then list it and run it on an array:

        ```sh
        export GEOKIT_PLUGIN_PATH=$PWD
        geokit plugins --kind attention
        python3 -c "import numpy as np; np.save('x.npy', np.random.randn(2, 8, 4, 4).astype('float32'))"
        geokit forward --component attention:\(name) --set channels=8 --input x.npy --output y.npy
        ```

        See docs/c-abi.md in the GeoKit tree for every struct and function of geokit.h.

        """
    }
}
