/* SPDX-License-Identifier: GPL-2.0 */
/* The release, from the VERSION file by way of the Makefile. */
#ifndef VFW_VERSION_H
#define VFW_VERSION_H

#ifndef VFW_VERSION
#define VFW_VERSION "unknown"
#endif

#endif
