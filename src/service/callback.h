// Completion callbacks of asynchronous (write) use cases. They run on the store's writer
// thread right after the commit: keep them short and hand work elsewhere.
#pragma once

#include <functional>

#include "core/error.h"

namespace minicrm {

template <class T>
using Callback = std::function<void(Result<T>)>;
using StatusCallback = std::function<void(Status)>;

}  // namespace minicrm
