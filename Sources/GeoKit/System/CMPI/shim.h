// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, MPI_IN_PLACE, ...)
// are macros over addresses of globals, which Swift cannot import: these
// functions hand them over as values.
#include <mpi.h>

static inline MPI_Comm geokit_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype geokit_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype geokit_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype geokit_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype geokit_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op geokit_mpi_sum(void) { return MPI_SUM; }
static inline void *geokit_mpi_in_place(void) { return MPI_IN_PLACE; }
