# Cross-compile pgmigrate.exe for 64-bit Windows with Debian's mingw-w64
# (apt: gcc-mingw-w64-x86-64). Use: cmake --preset mingw
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
# a self-contained exe: no libgcc/libwinpthread DLLs to ship beside it
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
