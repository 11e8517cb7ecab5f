# orders_optional_dep(<NAME> <pkg-config module> <description>)
#
# Looks the module up with pkg-config and defines the option
# ORDERS_WITH_<NAME>, ON by default when the module is found.  When the option
# is ON and the module is found, sets:
#   ORDERS_<NAME>_TARGET     the imported target (PkgConfig::ORDERS_DEP_<NAME>)
#   ORDERS_<NAME>_PC_MODULE  the module name, for liborders.pc and the package config
# Forcing ORDERS_WITH_<NAME>=ON without the dependency is a configure error.
include_guard(GLOBAL)

find_package(PkgConfig REQUIRED)

function(orders_optional_dep name module description)
    # No spaces in module specs here (TOOLCHAIN.md).
    pkg_check_modules(ORDERS_DEP_${name} QUIET IMPORTED_TARGET GLOBAL ${module})
    if(ORDERS_DEP_${name}_FOUND)
        set(_default ON)
    else()
        set(_default OFF)
    endif()
    option(ORDERS_WITH_${name} "${description}" ${_default})

    set(ORDERS_${name}_TARGET "" PARENT_SCOPE)
    set(ORDERS_${name}_PC_MODULE "" PARENT_SCOPE)
    if(ORDERS_WITH_${name})
        if(NOT ORDERS_DEP_${name}_FOUND)
            message(FATAL_ERROR
                "ORDERS_WITH_${name}=ON but pkg-config cannot find '${module}' "
                "(run scripts/deps.sh, or configure with -DORDERS_WITH_${name}=OFF)")
        endif()
        message(STATUS "liborders: ${module} ${ORDERS_DEP_${name}_VERSION} found: ORDERS_WITH_${name}=ON")
        set(ORDERS_${name}_TARGET PkgConfig::ORDERS_DEP_${name} PARENT_SCOPE)
        set(ORDERS_${name}_PC_MODULE ${module} PARENT_SCOPE)
    elseif(ORDERS_DEP_${name}_FOUND)
        message(STATUS "liborders: ${module} found but ORDERS_WITH_${name}=OFF: ${description} disabled")
    else()
        message(STATUS "liborders: ${module} not found: ${description} disabled (ORDERS_WITH_${name}=OFF)")
    endif()
endfunction()
