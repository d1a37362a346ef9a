/*
 * iio_lib.h - libiio 0.24, loaded when the first IIO hook opens (iio_lib.c).
 *
 * The one thing to know: libiio pulls in libxml2, ICU, libstdc++, dbus and
 * more -- about 3 MiB of resident memory in a daemon whose target is 4 MiB
 * -- so rkd does not link it: hook_iio.c calls libiio through this table,
 * and robots without IIO sensors never map it.  The functions keep their
 * libiio names (macros below), so hook_iio.c reads as plain libiio code.
 */
#ifndef RK_HOOKS_IIO_LIB_H
#define RK_HOOKS_IIO_LIB_H

#include <iio.h>
#include <stddef.h>

/* Every libiio function hook_iio.c calls. */
#define RK_IIO_FUNCS(X)                                                                  \
	X(iio_buffer_destroy) X(iio_buffer_end) X(iio_buffer_first)                      \
	X(iio_buffer_get_poll_fd) X(iio_buffer_refill) X(iio_buffer_set_blocking_mode)   \
	X(iio_buffer_start) X(iio_buffer_step) X(iio_channel_disable)                    \
	X(iio_channel_enable) X(iio_channel_get_data_format) X(iio_channel_get_id)       \
	X(iio_channel_get_index) X(iio_channel_get_name) X(iio_channel_is_output)        \
	X(iio_channel_is_scan_element) X(iio_context_destroy) X(iio_context_find_device) \
	X(iio_context_get_device) X(iio_context_get_devices_count)                       \
	X(iio_create_local_context) X(iio_device_attr_write) X(iio_device_create_buffer) \
	X(iio_device_get_channel) X(iio_device_get_channels_count) X(iio_device_get_id)  \
	X(iio_device_get_name) X(iio_device_get_trigger) X(iio_device_is_trigger)        \
	X(iio_device_set_kernel_buffers_count) X(iio_device_set_trigger)

struct rk_iio_lib {
#define RK_IIO_POINTER(name) __typeof__(name) *name;
	RK_IIO_FUNCS(RK_IIO_POINTER)
#undef RK_IIO_POINTER
};

extern struct rk_iio_lib rk_iio_lib;

/* Load libiio.so.0 once; 0, or -ENOENT with err saying what to install. */
int rk_iio_lib_load(char *err, size_t err_len);

/* From here on, hook_iio.c's libiio calls go through the table (iio_lib.c,
 * which fills it by name, defines RK_IIO_LIB_NO_RENAMES). */
#ifndef RK_IIO_LIB_NO_RENAMES
#define iio_buffer_destroy (rk_iio_lib.iio_buffer_destroy)
#define iio_buffer_end (rk_iio_lib.iio_buffer_end)
#define iio_buffer_first (rk_iio_lib.iio_buffer_first)
#define iio_buffer_get_poll_fd (rk_iio_lib.iio_buffer_get_poll_fd)
#define iio_buffer_refill (rk_iio_lib.iio_buffer_refill)
#define iio_buffer_set_blocking_mode (rk_iio_lib.iio_buffer_set_blocking_mode)
#define iio_buffer_start (rk_iio_lib.iio_buffer_start)
#define iio_buffer_step (rk_iio_lib.iio_buffer_step)
#define iio_channel_disable (rk_iio_lib.iio_channel_disable)
#define iio_channel_enable (rk_iio_lib.iio_channel_enable)
#define iio_channel_get_data_format (rk_iio_lib.iio_channel_get_data_format)
#define iio_channel_get_id (rk_iio_lib.iio_channel_get_id)
#define iio_channel_get_index (rk_iio_lib.iio_channel_get_index)
#define iio_channel_get_name (rk_iio_lib.iio_channel_get_name)
#define iio_channel_is_output (rk_iio_lib.iio_channel_is_output)
#define iio_channel_is_scan_element (rk_iio_lib.iio_channel_is_scan_element)
#define iio_context_destroy (rk_iio_lib.iio_context_destroy)
#define iio_context_find_device (rk_iio_lib.iio_context_find_device)
#define iio_context_get_device (rk_iio_lib.iio_context_get_device)
#define iio_context_get_devices_count (rk_iio_lib.iio_context_get_devices_count)
#define iio_create_local_context (rk_iio_lib.iio_create_local_context)
#define iio_device_attr_write (rk_iio_lib.iio_device_attr_write)
#define iio_device_create_buffer (rk_iio_lib.iio_device_create_buffer)
#define iio_device_get_channel (rk_iio_lib.iio_device_get_channel)
#define iio_device_get_channels_count (rk_iio_lib.iio_device_get_channels_count)
#define iio_device_get_id (rk_iio_lib.iio_device_get_id)
#define iio_device_get_name (rk_iio_lib.iio_device_get_name)
#define iio_device_get_trigger (rk_iio_lib.iio_device_get_trigger)
#define iio_device_is_trigger (rk_iio_lib.iio_device_is_trigger)
#define iio_device_set_kernel_buffers_count (rk_iio_lib.iio_device_set_kernel_buffers_count)
#define iio_device_set_trigger (rk_iio_lib.iio_device_set_trigger)
#endif

#endif /* RK_HOOKS_IIO_LIB_H */
