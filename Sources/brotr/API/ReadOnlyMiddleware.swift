import Hummingbird

/// The API is read-only: any method but GET on a /v1 path is a 405 naming the one allowed,
/// rather than the router's bare 404.
struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        var response = EventsEndpoint.json(405, error: "method not allowed: the API answers GET only")
        response.headers[.allow] = "GET"
        return response
    }
}
