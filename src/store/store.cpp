#include "store/store.h"

#include <future>

namespace minicrm {

Status Store::writeSync(WriteJob job) {
  std::promise<Status> promise;
  auto result = promise.get_future();
  write(std::move(job), [&promise](Status s) { promise.set_value(std::move(s)); });
  return result.get();
}

const std::vector<std::string>& Store::customerSortFields() {
  static const std::vector<std::string> fields = {
      "createdAt", "updatedAt", "name", "email", "city", "totalSpend", "visits", "lastActive"};
  return fields;
}

const std::vector<std::string>& Store::orderSortFields() {
  static const std::vector<std::string> fields = {"orderDate", "createdAt", "updatedAt", "amount"};
  return fields;
}

const std::vector<std::string>& Store::campaignSortFields() {
  static const std::vector<std::string> fields = {"createdAt", "updatedAt", "name", "scheduledAt",
                                                  "audienceSize"};
  return fields;
}

}  // namespace minicrm
