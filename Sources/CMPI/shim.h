#ifndef SWIFTGRAD_CMPI_SHIM_H
#define SWIFTGRAD_CMPI_SHIM_H
// SwiftGradDistributed stands on MPI (Open MPI from Debian). Open MPI spells its predefined handles
// (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM...) as macros over global structs, which Swift does not import;
// the inline functions below hand them to Swift.
#if __has_include(<mpi.h>)
#include <mpi.h>
#else
#error "SwiftGradDistributed needs MPI: install it with `apt-get install -y libopenmpi-dev openmpi-bin`"
#endif

static inline MPI_Comm sg_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm sg_mpi_comm_null(void) { return MPI_COMM_NULL; }
static inline MPI_Datatype sg_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype sg_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype sg_mpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype sg_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op sg_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op sg_mpi_max(void) { return MPI_MAX; }
static inline MPI_Op sg_mpi_min(void) { return MPI_MIN; }
static inline void *sg_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler sg_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Request sg_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *sg_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int sg_mpi_success(void) { return MPI_SUCCESS; }
static inline int sg_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int sg_mpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
#endif
