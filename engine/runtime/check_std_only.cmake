# cmake -DLIST_FILE=sources.txt -P check_std_only.cmake   (one path a line)
# Fails when any file includes a header that is neither a C++ standard header (or the C headers
# stddef.h and stdint.h, for flowgate.h) nor one of the runtime's own ("runtime/…", and the public
# headers flowgate/runtime.h, signals.h, bundle_holder.h, flowgate.h and verify.h — the last only
# declares the signature check, which flowgate_verify implements with libsodium).
set(allowed_angle
  algorithm array atomic bit cassert cctype cerrno chrono climits cmath compare concepts cstddef cstdint
  cstdio cstdlib cstring exception fstream functional initializer_list ios iosfwd istream iterator
  limits memory mutex new numeric optional ostream span sstream stdexcept string string_view tuple
  type_traits utility vector stddef.h stdint.h)
set(allowed_quoted runtime/bundle_format.h runtime/sha256.h flowgate/runtime.h
  flowgate/signals.h runtime/signal_bits.h runtime/tcf.h runtime/gpp.h runtime/hex.h
  flowgate/bundle_holder.h flowgate/flowgate.h flowgate/verify.h)
file(STRINGS "${LIST_FILE}" FILES)
set(bad 0)
foreach(file IN LISTS FILES)
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS lines)
    if(line MATCHES "<([^>]+)>")
      list(FIND allowed_angle "${CMAKE_MATCH_1}" found)
    elseif(line MATCHES "\"([^\"]+)\"")
      list(FIND allowed_quoted "${CMAKE_MATCH_1}" found)
    else()
      set(found -1)
    endif()
    if(found EQUAL -1)
      message(SEND_ERROR "${file}: '${line}' is not a standard header or a runtime header")
      set(bad 1)
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "the runtime (engine/runtime) must depend on the C++ standard library only")
endif()
list(LENGTH FILES n)
message(STATUS "engine/runtime: ${n} files include standard or runtime headers only")
