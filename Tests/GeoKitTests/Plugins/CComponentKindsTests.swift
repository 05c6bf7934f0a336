import Foundation
import GeoKit
import XCTest

/// The aggregator and loss vtables, and the kernel's checks of what a C
/// constructor returns, through a small C plugin compiled by the test.
final class CComponentKindsTests: XCTestCase {
    private static let source = """
        #include <geokit.h>
        #include <stddef.h>

        static const geokit_host *host;

        static double get(const geokit_tensor *t, int64_t i) {
            return t->dtype == GEOKIT_FLOAT64 ? ((const double *)t->data)[i] : (double)((const float *)t->data)[i];
        }
        static void set(const geokit_tensor *t, int64_t i, double v) {
            if (t->dtype == GEOKIT_FLOAT64) ((double *)t->data)[i] = v; else ((float *)t->data)[i] = (float)v;
        }

        typedef struct { int64_t channels; geokit_parameter weight; } mean_state;

        /* aggregator: y[n, c] = w[c] * mean over (H, W) of x[n, c] */
        static int32_t mean_size(geokit_component *self, int64_t c, int64_t h, int64_t w, int64_t *size) {
            (void)h; (void)w;
            const mean_state *s = self->state;
            if (c != s->channels) { host->report_error("scaled_mean: wrong channel count"); return 1; }
            *size = c;
            return 0;
        }
        static int32_t mean_forward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x, geokit_tensor *y) {
            const mean_state *s = self->state;
            const int64_t hw = x->shape[2] * x->shape[3];
            for (int64_t i = 0; i < x->shape[0] * s->channels; i++) {
                double sum = 0;
                for (int64_t k = 0; k < hw; k++) sum += get(x, i * hw + k);
                set(y, i, get(&p[0], i % s->channels) * sum / (double)hw);
            }
            return 0;
        }
        static int32_t mean_backward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *x,
                                     const geokit_tensor *y, const geokit_tensor *gy, geokit_tensor *gx, geokit_tensor *gp) {
            (void)y;
            const mean_state *s = self->state;
            const int64_t hw = x->shape[2] * x->shape[3];
            for (int64_t i = 0; i < x->shape[0] * s->channels; i++) {
                const int64_t c = i % s->channels;
                double sum = 0;
                for (int64_t k = 0; k < hw; k++) {
                    sum += get(x, i * hw + k);
                    set(gx, i * hw + k, get(gy, i) * get(&p[0], c) / (double)hw);
                }
                set(&gp[0], c, get(&gp[0], c) + get(gy, i) * sum / (double)hw);
            }
            return 0;
        }
        static const geokit_aggregator_vtable mean_vtable = { mean_size, mean_forward, mean_backward };

        static void destroy(geokit_component *self) { host->free(self->state); host->free(self); }

        GEOKIT_EXPORT geokit_component *scaled_mean_create(int channels, double scale) {
            geokit_component *self = host->alloc(sizeof *self);
            mean_state *s = host->alloc(sizeof *s);
            s->channels = channels;
            s->weight = (geokit_parameter){ .name = "weight", .rank = 1, .shape = { channels },
                                            .initializer = GEOKIT_INIT_CONSTANT, .a = scale };
            *self = (geokit_component){ .kind = GEOKIT_KIND_AGGREGATOR, .parameter_count = 1, .parameters = &s->weight,
                                        .input_channels = channels, .vtable = &mean_vtable, .state = s, .destroy = destroy };
            return self;
        }

        /* loss: s * sum over (i, j) of (q - r)^2 / N, s a learnable scalar; it keeps the first and last location id */
        typedef struct { geokit_parameter scale; } distance_state;
        static int64_t last_ids[2];
        GEOKIT_EXPORT int64_t test_last_location_id(int32_t which) { return last_ids[which]; }

        static int32_t distance_forward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *q,
                                        const geokit_tensor *r, const int64_t *ids, geokit_tensor *loss) {
            (void)self;
            last_ids[0] = ids[0];
            last_ids[1] = ids[q->shape[0] - 1];
            const int64_t n = q->shape[0], count = n * q->shape[1];
            double sum = 0;
            for (int64_t i = 0; i < count; i++) sum += (get(q, i) - get(r, i)) * (get(q, i) - get(r, i));
            set(loss, 0, get(&p[0], 0) * sum / (double)n);
            return 0;
        }
        static int32_t distance_backward(geokit_component *self, const geokit_tensor *p, const geokit_tensor *q,
                                         const geokit_tensor *r, const int64_t *ids, const geokit_tensor *g,
                                         geokit_tensor *gq, geokit_tensor *gr, geokit_tensor *gp) {
            (void)self;
            (void)ids;
            const int64_t n = q->shape[0], count = n * q->shape[1];
            const double s = get(&p[0], 0), gl = get(g, 0);
            double sum = 0;
            for (int64_t i = 0; i < count; i++) {
                const double d = get(q, i) - get(r, i);
                sum += d * d;
                set(gq, i, gl * s * 2 * d / (double)n);
                set(gr, i, -gl * s * 2 * d / (double)n);
            }
            set(&gp[0], 0, gl * sum / (double)n);
            return 0;
        }
        static const geokit_loss_vtable distance_vtable = { distance_forward, distance_backward };

        GEOKIT_EXPORT geokit_component *scaled_distance_create(double scale) {
            geokit_component *self = host->alloc(sizeof *self);
            distance_state *s = host->alloc(sizeof *s);
            s->scale = (geokit_parameter){ .name = "scale", .rank = 0, .initializer = GEOKIT_INIT_CONSTANT, .a = scale };
            *self = (geokit_component){ .kind = GEOKIT_KIND_LOSS, .parameter_count = 1, .parameters = &s->scale,
                                        .vtable = &distance_vtable, .state = s, .destroy = destroy };
            return self;
        }

        /* constructors that break the contract */
        static const geokit_attention_vtable half_vtable = { NULL, NULL };
        GEOKIT_EXPORT geokit_component *wrong_kind_create(void) {
            geokit_component *self = scaled_distance_create(1);
            return self;
        }
        GEOKIT_EXPORT geokit_component *no_backward_create(void) {
            geokit_component *self = scaled_mean_create(2, 1);
            self->kind = GEOKIT_KIND_ATTENTION;
            self->vtable = &half_vtable;
            return self;
        }
        GEOKIT_EXPORT geokit_component *bad_declaration_create(void) {
            geokit_component *self = scaled_mean_create(2, 1);
            ((mean_state *)self->state)->weight.shape[0] = 0;
            return self;
        }

        GEOKIT_DEFINE_ABI_VERSION()

        GEOKIT_EXPORT int32_t geokit_plugin_init(const geokit_host *h) {
            host = h;
            return host->register_component("aggregator", "test_scaled_mean", "scaled_mean_create",
                                            "int channels = 4, double scale = 1", "a scaled channel mean")
                || host->register_component("loss", "test_scaled_distance", "scaled_distance_create",
                                            "double scale = 0.5", "a scaled squared distance")
                || host->register_component("attention", "test_wrong_kind", "wrong_kind_create", "", "returns a loss")
                || host->register_component("attention", "test_no_backward", "no_backward_create", "", "no functions")
                || host->register_component("aggregator", "test_bad_declaration", "bad_declaration_create", "", "shape 0");
        }
        """

    private static let plugin: Result<URL, Error> = Result(catching: {
        let directory = try PluginTestSupport.temporaryDirectory("c-kinds")
        let library = try PluginTestSupport.compileC(source, named: "kinds", in: directory)
        try PluginLoader.load(library.path)
        return library
    })

    override func setUpWithError() throws { _ = try CComponentKindsTests.plugin.get() }

    func testACAggregatorMakesDescriptorsAndItsGradientsMatchFiniteDifferences() throws {
        let aggregator = try Registry.shared.make(.aggregator, "test_scaled_mean", ["channels": .int(3), "scale": .int(2)])
        XCTAssertEqual(aggregator.descriptorSize(channels: 3, height: 5, width: 5), 3)
        XCTAssertEqual(aggregator.stateDict().map(\.name), ["weight"])
        let x = Tensor.ones([2, 3, 2, 2])
        XCTAssertEqual(aggregator(x).shape, [2, 3])
        XCTAssertEqual(aggregator(x).scalars(as: Double.self), Array(repeating: 2, count: 6))

        let c = try XCTUnwrap(aggregator as? CComponentModule)
        c.convertParameters(to: .float64)
        assertGradientsMatch([randomDouble([2, 3, 2, 3], seed: 4)] + aggregator.parameters()) { aggregator($0[0]) }
    }

    func testACLossIsAScalarAndItsGradientsMatchFiniteDifferences() throws {
        let loss = try Registry.shared.make(.loss, "test_scaled_distance")
        XCTAssertEqual(loss.stateDict().map(\.name), ["scale"])
        XCTAssertEqual(loss.stateDict().first?.tensor.shape, [])
        let q = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]), r = Tensor([0, 2, 3, 2] as [Float], shape: [2, 2])
        XCTAssertEqual(loss.loss(query: q, reference: r).item, 0.5 * (1 + 4) / 2)

        (loss as? CComponentModule)?.convertParameters(to: .float64)
        assertGradientsMatch([randomDouble([3, 4], seed: 1), randomDouble([3, 4], seed: 2)] + loss.parameters()) {
            loss.loss(query: $0[0], reference: $0[1])
        }
    }

    func testACLossReceivesTheBatchsLocationIDs() throws {
        let library = try CComponentKindsTests.plugin.get()
        let loss = try Registry.shared.make(.loss, "test_scaled_distance")
        let q = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 2]), r = Tensor.zeros([3, 2])
        let batch = LossBatch(
            views: [ViewOutput(name: "ground", descriptor: q), ViewOutput(name: "aerial", descriptor: r)], locationIDs: [7, 3, 42])
        XCTAssertEqual(loss.loss(batch).item, 0.5 * 91 / 3, accuracy: 1e-5)
        let handle = try XCTUnwrap(dlopen(library.path, RTLD_NOW))
        defer { dlclose(handle) }
        typealias LastID = @convention(c) (Int32) -> Int64
        let lastID = unsafeBitCast(try XCTUnwrap(dlsym(handle, "test_last_location_id")), to: LastID.self)
        XCTAssertEqual([lastID(0), lastID(1)], [7, 42])
    }

    func testAComponentThatBreaksTheContractIsRefusedAtConstruction() {
        let cases: [(ComponentKind, String, String)] = [
            (.attention, "test_wrong_kind", "returned a component of kind 3, registered as attention"),
            (.attention, "test_no_backward", "has no forward, backward function"),
            (.aggregator, "test_bad_declaration", "parameter 'weight' has the shape [0]")
        ]
        for (kind, name, expected) in cases {
            XCTAssertThrowsError(try Registry.shared.make(named: "\(kind.rawValue):\(name)")) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(name): \(error)")
            }
        }
    }
}
