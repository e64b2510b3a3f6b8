package dev.ebb.core.cache;

import java.util.List;

/**
 * Turns texts into unit-length sentence vectors with a named model: the semantic cache's port. Core knows no model;
 * the gpu worker implements it with the MiniLM model it already holds for {@code embed} and {@code classify}.
 */
@FunctionalInterface
public interface Embedder {

    /** One vector per text, in order, each of unit length ({@code model} null: the worker's default). */
    List<float[]> embed(String model, List<String> texts);
}
