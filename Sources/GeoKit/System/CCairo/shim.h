// The headers by their directory, so that code compiled against the kernel later (recipes, plugins) finds them
// without cairo's pkg-config include path.
#include <cairo/cairo.h>
#include <cairo/cairo-svg.h>
