// CSV imports: POST /api/v1/customers/bulk, the CSV form of POST /api/v1/orders/bulk, the
// CSV templates and GET /api/v1/import-jobs/:id.
#include <fmt/format.h>

#include "core/json_writer.h"
#include "core/text.h"
#include "http/envelope.h"
#include "http/query_params.h"
#include "http/respond.h"
#include "http/routes.h"
#include "http/upload.h"

namespace minicrm::http {
namespace {

void writeSummary(JsonWriter& w, const ImportSummary& s) {
  w.beginObject();
  w.key("received").integer(s.received);
  w.key("accepted").integer(s.accepted);
  w.key("inserted").integer(s.inserted);
  w.key("updated").integer(s.updated);
  w.key("duplicates").integer(s.duplicates);
  w.key("rejected").integer(s.rejected);
  w.endObject();
}

void writeRows(JsonWriter& w, const ImportReport& r) {
  w.beginArray();
  for (const auto& p : r.rows) {
    w.beginObject();
    w.key("row").integer(p.row);
    w.key("key").string(p.key);
    w.key("status").string(p.duplicate ? "duplicate" : "error");
    w.key("issues").beginArray();
    for (const auto& f : p.issues)
      w.beginObject().key("path").string(f.path).key("message").string(f.message).endObject();
    w.endArray();
    w.endObject();
  }
  w.endArray();
}

// The answer of a synchronous import (API.md): not an envelope, `ok` says no row was
// rejected.
Response reportResponse(const ImportJob& job) {
  const ImportReport& r = job.report;
  JsonWriter w;
  w.beginObject();
  w.key("ok").boolean(r.summary.rejected == 0);
  w.key("dryRun").boolean(job.dryRun);
  w.key("summary");
  writeSummary(w, r.summary);
  w.key("rows");
  writeRows(w, r);
  w.key("rowsTruncated").boolean(r.rowsTruncated);
  w.key("jobId").id(job.id);
  w.endObject();
  return rawResponse(200, std::move(w).str(), "application/json; charset=utf-8");
}

void writeJob(JsonWriter& w, const ImportJob& job) {
  const ImportSummary& s = job.report.summary;
  w.beginObject();
  w.key("jobId").id(job.id);
  w.key("_id").id(job.id);
  w.key("kind").string(toString(job.kind));
  w.key("mode").string(toString(job.mode));
  w.key("dryRun").boolean(job.dryRun);
  w.key("status").string(toString(job.status));
  w.key("rowsProcessed").integer(s.received);
  w.key("rowsPerSecond").integer(job.activeMillis > 0 ? s.received * 1000 / job.activeMillis : 0);
  w.key("bytes").integer(static_cast<std::int64_t>(job.inputBytes));
  w.key("bytesProcessed").integer(static_cast<std::int64_t>(job.resumeOffset));
  w.key("ok").boolean(job.status == ImportStatus::completed && s.rejected == 0);
  w.key("summary");
  writeSummary(w, s);
  w.key("rows");
  writeRows(w, job.report);
  w.key("rowsTruncated").boolean(job.report.rowsTruncated);
  if (job.error.empty()) {
    w.key("error").null();
  } else {
    w.key("error").string(job.error);
  }
  w.key("createdAt").time(job.createdAt);
  w.key("startedAt").optTime(job.startedAt);
  w.key("finishedAt").optTime(job.finishedAt);
  w.key("updatedAt").time(job.updatedAt);
  w.endObject();
}

StreamBody uploadStream(ImportService& imports) {
  return [&imports](const Request& req) -> Result<std::unique_ptr<BodySink>> {
    if (!isUploadType(req.header("content-type"))) return std::unique_ptr<BodySink>();
    auto path = imports.spoolPath();
    if (!path.ok()) return std::move(path).error();
    // An async job must find its whole input after a crash: sync the file first.
    QueryParams params(req);
    const bool async = params.flag("async");
    return makeUploadSink(req, *path, async);
  };
}

// Runs an import of the uploaded CSV: answers with the report when it is done, or 202
// with the job at once for ?async=1.
void importUpload(ImportService& imports, ImportKind kind, Request& req, Reply reply) {
  if (req.uploadError) return reply(errorResponse(*req.uploadError));
  if (!req.upload) {
    const std::string_view type = req.header("content-type");
    if (isUploadType(type)) {
      return reply(errorResponse(Error::invalidField(
          "file", "a multipart/form-data body needs a boundary parameter in its Content-Type")));
    }
    return reply(errorResponse(Error{
        ErrorKind::unsupported_media,
        fmt::format("Send the CSV file as multipart/form-data (field \"file\") or as a text/csv "
                    "body; got {}",
                    type.empty() ? std::string("no Content-Type") : std::string(type)),
        {}}));
  }
  QueryParams params(req);
  ImportRequest request;
  request.kind = kind;
  request.dryRun = params.flag("dryRun");
  request.mode = params.choice("mode", {"insert", "upsert"}, "insert") == "upsert"
                     ? ImportMode::upsert
                     : ImportMode::insert;
  const bool async = params.flag("async");
  if (Status s = params.finish(); !s.ok()) return reply(errorResponse(s.error()));
  ImportService::Done done;
  if (!async) {
    done = [reply](Result<ImportJob> r) {
      if (!r.ok()) return reply(errorResponse(r.error()));
      reply(reportResponse(*r));
    };
  }
  const std::string path = req.upload->release();
  auto job = imports.submit(request, path, std::move(done));
  if (!job.ok()) {
    std::remove(path.c_str());
    return reply(errorResponse(job.error()));
  }
  if (async) {
    JsonWriter w;
    writeJob(w, *job);
    reply(dataResponse(w.str(), 202));
  }
}

Response csvTemplate(std::string_view body, const char* name) {
  Response r = rawResponse(200, std::string(body), "text/csv; charset=utf-8");
  r.setHeader("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
  return r;
}

}  // namespace

void addImportRoutes(Router& router, ImportService& imports, std::uint64_t uploadLimit) {
  auto& customers =
      router.add(Method::POST, "/api/v1/customers/bulk", [&imports](Request& req, Reply reply) {
        importUpload(imports, ImportKind::customers, req, std::move(reply));
      });
  customers.streamBody = uploadStream(imports);
  customers.streamLimit = uploadLimit;

  // POST /orders/bulk keeps its JSON array form (orders routes); CSV uploads come here.
  if (Route* orders = router.find(Method::POST, "/api/v1/orders/bulk")) {
    orders->streamBody = uploadStream(imports);
    orders->streamLimit = uploadLimit;
    orders->handler = [&imports, json = orders->handler](Request& req, Reply reply) {
      if (req.upload || req.uploadError || isUploadType(req.header("content-type"))) {
        return importUpload(imports, ImportKind::orders, req, std::move(reply));
      }
      json(req, std::move(reply));
    };
  }

  router.add(Method::GET, "/api/v1/customers/bulk/template", [](Request&, Reply reply) {
    reply(csvTemplate(customersCsvTemplate(), "customers.csv"));
  });
  router.add(Method::GET, "/api/v1/orders/bulk/template",
             [](Request&, Reply reply) { reply(csvTemplate(ordersCsvTemplate(), "orders.csv")); });

  router.add(Method::GET, "/api/v1/import-jobs/:id", [&imports](Request& req, Reply reply) {
    auto id = pathId(req, "id", "import job", reply);
    if (!id) return;
    reply(respond(imports.get(*id), writeJob));
  });
}

}  // namespace minicrm::http
